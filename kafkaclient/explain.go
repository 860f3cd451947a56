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
// errors, and nil, are returned as they are. The hint never holds the
// password.
func (s Security) Explain(err error) error {
	if err == nil || s.SASL.Mechanism == "" || !connectionClosed(err) {
		return err
	}
	return fmt.Errorf("kafkaclient: the broker closed the connection; with SASL %s as user %q this usually means a wrong user name, password or mechanism: %w",
		s.SASL.Mechanism, s.SASL.Username, err)
}

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
