package kafkaclient

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
)

func scram256() Security {
	return Security{SASL: SASLConfig{Mechanism: MechanismSCRAMSHA256, Username: "u", Password: "pw-123"}}
}

func TestSecurityValidate(t *testing.T) {
	tests := []struct {
		name  string
		sec   Security
		field string // "" = valid
	}{
		{"zero", Security{}, ""},
		{"plain", Security{SASL: SASLConfig{Mechanism: MechanismPlain, Username: "u", Password: "p"}}, ""},
		{"scram256", scram256(), ""},
		{"scram512", Security{SASL: SASLConfig{Mechanism: MechanismSCRAMSHA512, Username: "u", Password: "p"}}, ""},
		{"bad mechanism", Security{SASL: SASLConfig{Mechanism: "GSSAPI", Username: "u", Password: "p"}}, "sasl.mechanism"},
		{"lowercase mechanism", Security{SASL: SASLConfig{Mechanism: "plain", Username: "u", Password: "p"}}, "sasl.mechanism"},
		{"no user", Security{SASL: SASLConfig{Mechanism: MechanismPlain, Password: "p"}}, "sasl.username"},
		{"no password", Security{SASL: SASLConfig{Mechanism: MechanismPlain, Username: "u"}}, "sasl.password"},
		{"user without mechanism", Security{SASL: SASLConfig{Username: "u"}}, "sasl.username"},
		{"password without mechanism", Security{SASL: SASLConfig{Password: "p"}}, "sasl.password"},
		{"tls", Security{TLS: TLSConfig{Enabled: true, CAFile: "ca.pem", ServerName: "kafka"}}, ""},
		{"mtls", Security{TLS: TLSConfig{Enabled: true, CertFile: "c.pem", KeyFile: "k.pem"}}, ""},
		{"cert without key", Security{TLS: TLSConfig{Enabled: true, CertFile: "c.pem"}}, "tls.key_file"},
		{"key without cert", Security{TLS: TLSConfig{Enabled: true, KeyFile: "k.pem"}}, "tls.cert_file"},
		{"ca without enabled", Security{TLS: TLSConfig{CAFile: "ca.pem"}}, "tls.ca_file"},
		{"insecure without enabled", Security{TLS: TLSConfig{InsecureSkipVerify: true}}, "tls.insecure_skip_verify"},
		{"server name without enabled", Security{TLS: TLSConfig{ServerName: "x"}}, "tls.server_name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.sec.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field || !errors.Is(err, ErrSecurity) {
				t.Fatalf("Validate = %v, want a FieldError on %s", err, tt.field)
			}
			if !strings.Contains(err.Error(), "security."+tt.field) {
				t.Errorf("error %q does not name security.%s", err, tt.field)
			}
		})
	}
}

// writePEM writes a self-signed certificate and its key; it returns their
// paths.
func writePEM(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	for f, b := range map[string]*pem.Block{certFile: {Type: "CERTIFICATE", Bytes: der}, keyFile: {Type: "EC PRIVATE KEY", Bytes: keyDER}} {
		if err := os.WriteFile(f, pem.EncodeToMemory(b), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return certFile, keyFile
}

func TestSecurityConverters(t *testing.T) {
	cert, key := writePEM(t)
	notPEM := filepath.Join(t.TempDir(), "x.pem")
	if err := os.WriteFile(notPEM, []byte("not pem"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		sec       Security
		kgoOpts   int
		mechanism sarama.SASLMechanism // "" = SASL off
		scram     bool
		tls       bool
		errField  string
	}{
		{name: "zero"},
		{name: "plain", sec: Security{SASL: SASLConfig{Mechanism: MechanismPlain, Username: "u", Password: "p"}},
			kgoOpts: 1, mechanism: sarama.SASLTypePlaintext},
		{name: "scram256", sec: scram256(), kgoOpts: 1, mechanism: sarama.SASLTypeSCRAMSHA256, scram: true},
		{name: "scram512", sec: Security{SASL: SASLConfig{Mechanism: MechanismSCRAMSHA512, Username: "u", Password: "p"}},
			kgoOpts: 1, mechanism: sarama.SASLTypeSCRAMSHA512, scram: true},
		{name: "tls system pool", sec: Security{TLS: TLSConfig{Enabled: true}}, kgoOpts: 1, tls: true},
		{name: "mtls and scram", sec: Security{TLS: TLSConfig{Enabled: true, CAFile: cert, CertFile: cert, KeyFile: key},
			SASL: scram256().SASL}, kgoOpts: 2, mechanism: sarama.SASLTypeSCRAMSHA256, scram: true, tls: true},
		{name: "missing ca", sec: Security{TLS: TLSConfig{Enabled: true, CAFile: "/nonexistent/ca.pem"}}, errField: "tls.ca_file"},
		{name: "ca not pem", sec: Security{TLS: TLSConfig{Enabled: true, CAFile: notPEM}}, errField: "tls.ca_file"},
		{name: "bad key pair", sec: Security{TLS: TLSConfig{Enabled: true, CertFile: cert, KeyFile: notPEM}}, errField: "tls.cert_file"},
		{name: "invalid", sec: Security{SASL: SASLConfig{Mechanism: "X"}}, errField: "sasl.mechanism"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts, kerr := tt.sec.Kgo()
			base := sarama.NewConfig()
			base.ClientID = "base"
			cfg, serr := tt.sec.Sarama(base)
			if tt.errField != "" {
				for _, err := range []error{kerr, serr} {
					var fe *FieldError
					if !errors.As(err, &fe) || fe.Field != tt.errField {
						t.Errorf("err = %v, want a FieldError on %s", err, tt.errField)
					}
				}
				return
			}
			if kerr != nil || serr != nil {
				t.Fatalf("Kgo: %v, Sarama: %v", kerr, serr)
			}
			if len(opts) != tt.kgoOpts {
				t.Errorf("Kgo: %d options, want %d", len(opts), tt.kgoOpts)
			}
			if cfg == base || cfg.ClientID != "base" || base.Net.SASL.Enable || base.Net.TLS.Enable {
				t.Errorf("Sarama must copy base and keep its settings")
			}
			if err := cfg.Validate(); err != nil {
				t.Errorf("sarama config: %v", err)
			}
			checkSarama(t, cfg, tt.mechanism, tt.scram, tt.tls)
		})
	}
}

func checkSarama(t *testing.T, cfg *sarama.Config, mech sarama.SASLMechanism, scram, tls bool) {
	t.Helper()
	if cfg.Net.TLS.Enable != tls || (cfg.Net.TLS.Config != nil) != tls {
		t.Errorf("sarama TLS enable=%v config=%v, want %v", cfg.Net.TLS.Enable, cfg.Net.TLS.Config != nil, tls)
	}
	if cfg.Net.SASL.Enable != (mech != "") || (mech != "" && cfg.Net.SASL.Mechanism != mech) {
		t.Errorf("sarama SASL enable=%v mechanism=%s, want %s", cfg.Net.SASL.Enable, cfg.Net.SASL.Mechanism, mech)
	}
	if (cfg.Net.SASL.SCRAMClientGeneratorFunc != nil) != scram {
		t.Errorf("sarama SCRAM client generator set=%v, want %v", cfg.Net.SASL.SCRAMClientGeneratorFunc != nil, scram)
	}
}

func TestSaramaNilBase(t *testing.T) {
	cfg, err := scram256().Sarama(nil)
	if err != nil || cfg == nil || !cfg.Net.SASL.Enable {
		t.Fatalf("Sarama(nil) = %v, %v", cfg, err)
	}
}

// TestSCRAMClient runs the client side of a SCRAM conversation far enough
// to see the client-first message.
func TestSCRAMClient(t *testing.T) {
	cfg, err := scram256().Sarama(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.Net.SASL.SCRAMClientGeneratorFunc()
	if err := c.Begin("u", "pw-123", ""); err != nil {
		t.Fatal(err)
	}
	first, err := c.Step("")
	if err != nil || !strings.HasPrefix(first, "n,,n=u,r=") || c.Done() {
		t.Fatalf("client-first = %q, %v (done %v)", first, err, c.Done())
	}
	if _, err := c.Step("garbage"); err == nil {
		t.Errorf("a malformed server-first message must fail")
	}
}

func TestPasswordNeverPrinted(t *testing.T) {
	s := scram256()
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		if out := fmt.Sprintf(verb, s); strings.Contains(out, s.SASL.Password) {
			t.Errorf("%s prints the password: %s", verb, out)
		}
	}
	if out := fmt.Sprintf("%v", s.SASL); !strings.Contains(out, "<redacted>") || !strings.Contains(out, "SCRAM-SHA-256") {
		t.Errorf("String = %s", out)
	}
}

func TestExplain(t *testing.T) {
	tests := []struct {
		name string
		sec  Security
		err  error
		hint bool
	}{
		{"nil", scram256(), nil, false},
		{"eof with sasl", scram256(), fmt.Errorf("admin: %w", io.EOF), true},
		{"flattened eof with sasl", scram256(), errors.New("kafka: client has run out of available brokers to talk to: EOF"), true},
		{"eof without sasl", Security{}, io.EOF, false},
		{"other error with sasl", scram256(), errors.New("unknown topic"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.sec.Explain(tt.err)
			if hint := got != nil && strings.Contains(got.Error(), "wrong user name, password or mechanism"); hint != tt.hint {
				t.Fatalf("Explain(%v) = %v, hint %v want %v", tt.err, got, hint, tt.hint)
			}
			if tt.err != nil && !errors.Is(got, tt.err) {
				t.Errorf("Explain must wrap the error")
			}
			if got != nil && strings.Contains(got.Error(), tt.sec.SASL.Password) && tt.sec.SASL.Password != "" {
				t.Errorf("Explain prints the password: %v", got)
			}
		})
	}
}

func ExampleSecurity_Validate() {
	s := Security{SASL: SASLConfig{Mechanism: MechanismSCRAMSHA512, Username: "alice"}}
	fmt.Println(s.Validate())
	// Output: kafkaclient: security.sasl.password: required with sasl.mechanism SCRAM-SHA-512
}
