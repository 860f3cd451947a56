package main

import (
	"errors"
	"strings"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamsgd/streamsgd/config"
	"github.com/streamsgd/streamsgd/kafkaclient"
	"github.com/streamsgd/streamsgd/topology"
)

// Brokers is the --brokers flag shared by the commands that talk to Kafka,
// with the connection-security flags; set flags override the pipeline
// config's security section.
type Brokers struct {
	Brokers       string `default:"127.0.0.1:9092" env:"STREAMSGD_BROKERS" help:"Comma-separated bootstrap brokers."`
	SASLMechanism string `name:"sasl-mechanism" enum:",PLAIN,SCRAM-SHA-256,SCRAM-SHA-512" default:"" group:"security" help:"SASL mechanism: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512."`
	SASLUser      string `name:"sasl-user" group:"security" help:"SASL user name."`
	SASLPassword  string `name:"sasl-password" env:"STREAMSGD_SASL_PASSWORD" group:"security" help:"SASL password. Prefer $STREAMSGD_SASL_PASSWORD: a flag shows in the process list and the shell history."`
	TLS           bool   `name:"tls" group:"security" help:"Connect with TLS (implied by the other --tls-* flags)."`
	TLSCA         string `name:"tls-ca" group:"security" help:"PEM file of the CAs of the brokers' certificates (default: system pool)."`
	TLSCert       string `name:"tls-cert" group:"security" help:"PEM client certificate (mTLS), with --tls-key."`
	TLSKey        string `name:"tls-key" group:"security" help:"PEM client key (mTLS), with --tls-cert."`
	TLSInsecure   bool   `name:"tls-insecure" group:"security" help:"Do not verify the brokers' certificates (tests only)."`
}

// Pipeline loads the pipeline config at path and returns it with the
// connection security: the config's security section with the set flags
// over it.
func (b Brokers) Pipeline(path string) (*topology.Pipeline, kafkaclient.Security, error) {
	p, err := loadPipeline(path)
	if err != nil {
		return nil, kafkaclient.Security{}, err
	}
	sec, err := b.Security(p.Config.Security)
	if err != nil {
		return nil, kafkaclient.Security{}, err
	}
	if _, err := sec.TLS.Config(); err != nil {
		return nil, kafkaclient.Security{}, b.tlsFileError(p.Config, err)
	}
	return p, sec, nil
}

// tlsFileError names the config file and its field when err is about a TLS
// file that the config's security section names and no --tls-* flag
// replaced (kafkaclient reads the files when it makes the clients, after
// the config was loaded); otherwise it returns err.
func (b Brokers) tlsFileError(c *config.Pipeline, err error) error {
	var fe *kafkaclient.FieldError
	if !errors.As(err, &fe) {
		return err
	}
	switch {
	case fe.Field == "tls.ca_file" && b.TLSCA == "",
		fe.Field == "tls.cert_file" && b.TLSCert == "" && b.TLSKey == "":
		return &config.FieldError{File: c.File, Field: "security." + fe.Field, Msg: fe.Msg}
	}
	return err
}

// List splits the flag.
func (b Brokers) List() []string {
	var out []string
	for _, s := range strings.Split(b.Brokers, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Security returns base (the pipeline config's section, or zero) with the
// set flags applied over it, validated.
func (b Brokers) Security(base kafkaclient.Security) (kafkaclient.Security, error) {
	s := base
	setString(&s.SASL.Mechanism, b.SASLMechanism)
	setString(&s.SASL.Username, b.SASLUser)
	setString(&s.SASL.Password, b.SASLPassword)
	setString(&s.TLS.CAFile, b.TLSCA)
	setString(&s.TLS.CertFile, b.TLSCert)
	setString(&s.TLS.KeyFile, b.TLSKey)
	if b.TLSInsecure {
		s.TLS.InsecureSkipVerify = true
	}
	if b.TLS || b.TLSCA != "" || b.TLSCert != "" || b.TLSKey != "" || b.TLSInsecure {
		s.TLS.Enabled = true
	}
	return s, s.Validate()
}

func setString(dst *string, flag string) {
	if flag != "" {
		*dst = flag
	}
}

// Explain adds the SASL hint of the flags' security to err
// (kafkaclient.Security.Explain); main applies it to the error of every
// command that has connection flags.
func (b Brokers) Explain(err error) error {
	s, serr := b.Security(kafkaclient.Security{})
	if serr != nil {
		return err
	}
	return s.Explain(err)
}

// Kgo returns the franz-go options of the flags' security settings.
func (b Brokers) Kgo() ([]kgo.Opt, error) {
	s, err := b.Security(kafkaclient.Security{})
	if err != nil {
		return nil, err
	}
	return s.Kgo()
}

// Admin returns an admin client and the client under it, secured by the
// flags.
func (b Brokers) Admin() (*kadm.Client, *kgo.Client, error) {
	s, err := b.Security(kafkaclient.Security{})
	if err != nil {
		return nil, nil, err
	}
	return b.AdminWith(s)
}

// AdminWith returns an admin client and the client under it, secured by s.
func (b Brokers) AdminWith(s kafkaclient.Security) (*kadm.Client, *kgo.Client, error) {
	opts, err := s.Kgo()
	if err != nil {
		return nil, nil, err
	}
	cl, err := kafkaclient.New(b.List(), opts...)
	if err != nil {
		return nil, nil, err
	}
	return kadm.NewClient(cl), cl, nil
}

// Producer returns a franz-go producer client (kafkaclient.NewClient) secured
// by the flags.
func (b Brokers) Producer() (*kgo.Client, error) {
	opts, err := b.Kgo()
	if err != nil {
		return nil, err
	}
	return kafkaclient.NewClient(b.List(), opts...)
}
