package kafkaclient

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"syscall"
)

// Explain adds a hint to an error of a client using s: brokers close the
// connection of a client that fails SASL authentication (the embedded
// broker always does), which clients then report as a bare EOF. Other
// errors, nil, and errors that carry the hint already are returned as they
// are. The hint never holds the password.
func (s Security) Explain(err error) error {
	var hinted *SASLHintError
	if err == nil || s.SASL.Mechanism == "" || errors.As(err, &hinted) || !connectionClosed(err) {
		return err
	}
	return &SASLHintError{Mechanism: s.SASL.Mechanism, Username: s.SASL.Username, Err: err}
}

// SASLHintError is an error of a connection that the broker closed while
// SASL was configured: most likely a wrong user name, password or
// mechanism.
type SASLHintError struct {
	Mechanism, Username string
	Err                 error
}

func (e *SASLHintError) Error() string {
	return fmt.Sprintf("kafkaclient: the broker closed the connection; with SASL %s as user %q this usually means a wrong user name, password or mechanism: %v",
		e.Mechanism, e.Username, e.Err)
}

// Unwrap returns the client's error.
func (e *SASLHintError) Unwrap() error { return e.Err }

// connectionClosed matches by type and, since goka flattens the errors of
// sarama with %v, by text.
func connectionClosed(err error) bool {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	msg := err.Error()
	for _, s := range []string{io.EOF.Error(), syscall.ECONNRESET.Error(), syscall.EPIPE.Error()} {
		if strings.HasSuffix(msg, ": "+s) || msg == s {
			return true
		}
	}
	return false
}
