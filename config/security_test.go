package config

import (
	"errors"
	"strings"
	"testing"

	"github.com/streamsgd/streamsgd/kafkaclient"
)

const securityBase = `
name: sec
input:
  topics: [in]
  columns: [y, x]
  label: {from: column, column: y}
models:
  - name: m
    task: regression
`

func TestConfigSecurity(t *testing.T) {
	tests := []struct {
		name  string
		yaml  string
		want  kafkaclient.Security
		field string // "" = valid
	}{
		{name: "absent", yaml: ""},
		{name: "scram and tls", yaml: `
security:
  tls: {enabled: true, ca_file: ca.pem, server_name: kafka}
  sasl: {mechanism: SCRAM-SHA-512, username: alice, password: pw}
`, want: kafkaclient.Security{
			TLS:  kafkaclient.TLSConfig{Enabled: true, CAFile: "ca.pem", ServerName: "kafka"},
			SASL: kafkaclient.SASLConfig{Mechanism: "SCRAM-SHA-512", Username: "alice", Password: "pw"},
		}},
		{name: "no password", yaml: "security: {sasl: {mechanism: PLAIN, username: alice}}\n", field: "security.sasl.password"},
		{name: "bad mechanism", yaml: "security: {sasl: {mechanism: KERBEROS}}\n", field: "security.sasl.mechanism"},
		{name: "tls file while disabled", yaml: "security: {tls: {ca_file: ca.pem}}\n", field: "security.tls.ca_file"},
		{name: "unknown field", yaml: "security: {tls: {verify: false}}\n", field: "verify"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse([]byte(securityBase+tt.yaml), "sec.yaml")
			if tt.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				if c.Security != tt.want {
					t.Errorf("security = %+v, want %+v", c.Security, tt.want)
				}
				return
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field || !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want a FieldError on %s", err, tt.field)
			}
			if !strings.HasPrefix(err.Error(), "sec.yaml: "+tt.field) {
				t.Errorf("error %q does not name the file and field", err)
			}
		})
	}
}
