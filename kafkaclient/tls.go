package kafkaclient

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
)

// Config builds the crypto/tls config, or nil when TLS is off.
func (t TLSConfig) Config() (*tls.Config, error) {
	if !t.Enabled {
		return nil, nil
	}
	c := &tls.Config{
		MinVersion:         tls.VersionTLS12,
		ServerName:         t.ServerName,
		InsecureSkipVerify: t.InsecureSkipVerify,
	}
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, &FieldError{Field: "tls.ca_file", Msg: err.Error()}
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, &FieldError{Field: "tls.ca_file", Msg: fmt.Sprintf("no PEM certificate in %s", t.CAFile)}
		}
		c.RootCAs = pool
	}
	if t.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return nil, &FieldError{Field: "tls.cert_file", Msg: err.Error()}
		}
		c.Certificates = []tls.Certificate{cert}
	}
	return c, nil
}
