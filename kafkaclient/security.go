package kafkaclient

import (
	"errors"
	"fmt"
)

// SASL mechanisms.
const (
	MechanismPlain       = "PLAIN"
	MechanismSCRAMSHA256 = "SCRAM-SHA-256"
	MechanismSCRAMSHA512 = "SCRAM-SHA-512"
)

// Security are the connection settings of every client of a cluster. The
// zero value is a plaintext connection without authentication.
type Security struct {
	TLS  TLSConfig  `yaml:"tls"`
	SASL SASLConfig `yaml:"sasl"`
}

// TLSConfig encrypts connections and, with a certificate, authenticates
// the client.
type TLSConfig struct {
	// Enabled turns TLS on; the other fields need it.
	Enabled bool `yaml:"enabled"`
	// CAFile is a PEM bundle of the CAs that sign the brokers'
	// certificates; empty uses the system pool.
	CAFile string `yaml:"ca_file"`
	// CertFile and KeyFile are the client's PEM certificate and key (mTLS);
	// both or neither.
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
	// InsecureSkipVerify accepts any broker certificate (tests only).
	InsecureSkipVerify bool `yaml:"insecure_skip_verify"`
	// ServerName overrides the host name verified in the brokers'
	// certificates; empty uses each broker's host.
	ServerName string `yaml:"server_name"`
}

// SASLConfig authenticates the client.
type SASLConfig struct {
	// Mechanism is "" (none), PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512.
	Mechanism string `yaml:"mechanism"`
	Username  string `yaml:"username"`
	// Password is never printed (see String).
	Password string `yaml:"password"`
}

// String describes the settings without the password.
func (s SASLConfig) String() string {
	pw := ""
	if s.Password != "" {
		pw = "<redacted>"
	}
	return fmt.Sprintf("{Mechanism:%s Username:%s Password:%s}", s.Mechanism, s.Username, pw)
}

// GoString is String: %#v does not print the password either.
func (s SASLConfig) GoString() string { return "kafkaclient.SASLConfig" + s.String() }

// ErrSecurity is wrapped by every validation error.
var ErrSecurity = errors.New("kafkaclient: invalid security settings")

// FieldError names the wrong field, relative to the security section
// (e.g. "sasl.password").
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("kafkaclient: security.%s: %s", e.Field, e.Msg)
}

// Unwrap lets errors.Is(err, ErrSecurity) match.
func (e *FieldError) Unwrap() error { return ErrSecurity }

// Enabled reports whether any security setting is on.
func (s Security) Enabled() bool { return s.TLS.Enabled || s.SASL.Mechanism != "" }

// Validate names the first wrong field. It reads no files: the converters
// do, and name the field of a file they cannot use.
func (s Security) Validate() error {
	if err := s.TLS.validate(); err != nil {
		return err
	}
	return s.SASL.validate()
}

func (t TLSConfig) validate() error {
	if !t.Enabled {
		for _, f := range []struct{ name, val string }{
			{"ca_file", t.CAFile}, {"cert_file", t.CertFile}, {"key_file", t.KeyFile}, {"server_name", t.ServerName},
		} {
			if f.val != "" {
				return &FieldError{Field: "tls." + f.name, Msg: "set but tls.enabled is false"}
			}
		}
		if t.InsecureSkipVerify {
			return &FieldError{Field: "tls.insecure_skip_verify", Msg: "set but tls.enabled is false"}
		}
		return nil
	}
	switch {
	case t.CertFile != "" && t.KeyFile == "":
		return &FieldError{Field: "tls.key_file", Msg: "required with tls.cert_file"}
	case t.KeyFile != "" && t.CertFile == "":
		return &FieldError{Field: "tls.cert_file", Msg: "required with tls.key_file"}
	}
	return nil
}

func (s SASLConfig) validate() error {
	switch s.Mechanism {
	case "":
		if s.Username != "" {
			return &FieldError{Field: "sasl.username", Msg: "set but sasl.mechanism is empty"}
		}
		if s.Password != "" {
			return &FieldError{Field: "sasl.password", Msg: "set but sasl.mechanism is empty"}
		}
		return nil
	case MechanismPlain, MechanismSCRAMSHA256, MechanismSCRAMSHA512:
	default:
		return &FieldError{Field: "sasl.mechanism", Msg: fmt.Sprintf("must be PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512, got %q", s.Mechanism)}
	}
	if s.Username == "" {
		return &FieldError{Field: "sasl.username", Msg: "required with sasl.mechanism " + s.Mechanism}
	}
	if s.Password == "" {
		return &FieldError{Field: "sasl.password", Msg: "required with sasl.mechanism " + s.Mechanism}
	}
	return nil
}
