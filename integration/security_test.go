package integration

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamsgd/streamsgd/broker"
	"github.com/streamsgd/streamsgd/codecs/wire"
	"github.com/streamsgd/streamsgd/kafkaclient"
	"github.com/streamsgd/streamsgd/operations"
	"github.com/streamsgd/streamsgd/topology"
)

const (
	secRows       = 2000
	secSensors    = 10
	secPartitions = 2
	secPassword   = "s3cret-pw"
)

// TestSecuritySCRAM runs a pipeline end to end on an embedded broker that
// requires SASL SCRAM-SHA-256, through both client stacks (sarama consumers
// and topic managers, franz-go producers), and checks that a wrong password
// fails with an authentication error.
func TestSecuritySCRAM(t *testing.T) {
	skipSharedCluster(t)
	b, err := broker.Start(broker.Options{Users: []broker.User{
		{Mechanism: kafkaclient.MechanismSCRAMSHA256, Name: "streamsgd", Password: secPassword},
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	sec := kafkaclient.Security{SASL: kafkaclient.SASLConfig{
		Mechanism: kafkaclient.MechanismSCRAMSHA256, Username: "streamsgd", Password: secPassword,
	}}
	runSecured(t, b.Addrs(), sec)

	wrong := sec
	wrong.SASL.Password = "bad-pw-42"
	checkRejected(t, b.Addrs(), wrong, "wrong user name, password or mechanism")
}

// TestSecurityTLS runs a pipeline end to end on an embedded broker that
// only speaks TLS, with a self-signed certificate the clients trust through
// tls.ca_file, and checks that a client without TLS settings fails.
func TestSecurityTLS(t *testing.T) {
	skipSharedCluster(t)
	cert, caFile := selfSigned(t)
	b, err := broker.Start(broker.Options{Extra: []kfake.Opt{
		kfake.TLS(&tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}),
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	sec := kafkaclient.Security{TLS: kafkaclient.TLSConfig{Enabled: true, CAFile: caFile}}
	runSecured(t, b.Addrs(), sec)

	// A client that does not trust the certificate is refused.
	untrusted := kafkaclient.Security{TLS: kafkaclient.TLSConfig{Enabled: true}}
	checkRejected(t, b.Addrs(), untrusted, "certificate")
}

func skipSharedCluster(t *testing.T) {
	t.Helper()
	if os.Getenv("STREAMSGD_BROKERS") != "" {
		t.Skip("needs the embedded broker (STREAMSGD_BROKERS is set)")
	}
}

// runSecured produces rows, runs a two-model pipeline with sec until every
// row has a prediction from every model, and stops it.
func runSecured(t *testing.T, brokers []string, sec kafkaclient.Security) {
	t.Helper()
	opts, err := sec.Kgo()
	if err != nil {
		t.Fatal(err)
	}
	adm := secureAdmin(t, brokers, opts)
	ctx := context.Background()
	input := unique("secure-in")
	if err := operations.CreateTopic(ctx, adm, input, secPartitions, 1); err != nil {
		t.Fatal(err)
	}
	keys, values := sensorCSV(secRows, secSensors, 3)
	produceRecords(t, brokers, input, keys, values, opts...)

	cfg := sensorConfig(unique("secure"), input, secPartitions)
	cfg.Security = sec
	p, err := topology.Build(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := operations.EnsureTopics(ctx, adm, p); err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- operations.Run(runCtx, p, operations.RunOptions{Brokers: brokers, StateDir: t.TempDir(), ClientID: "secure", Security: cfg.Security})
	}()
	seen := securePredictions(t, brokers, opts, p, done)
	cancel()
	if err := <-done; err != nil && !strings.Contains(err.Error(), context.Canceled.Error()) {
		t.Errorf("run: %v", err)
	}
	for model, ids := range seen {
		if len(ids) != secRows {
			t.Errorf("model %s: %d rows predicted, want %d", model, len(ids), secRows)
		}
	}
}

func secureAdmin(t *testing.T, brokers []string, opts []kgo.Opt) *kadm.Client {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(brokers...)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return kadm.NewClient(cl)
}

// securePredictions consumes the predictions topic until every row has a
// prediction from every model, the run fails, or a minute passes.
func securePredictions(t *testing.T, brokers []string, opts []kgo.Opt, p *topology.Pipeline, done <-chan error) map[string]map[string]bool {
	t.Helper()
	dec, err := wire.PredictionCodec(p.Config.Output.Predictions)
	if err != nil {
		t.Fatal(err)
	}
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(brokers...),
		kgo.ConsumeTopics(string(p.Topics.Predictions)), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	seen := map[string]map[string]bool{}
	for _, m := range p.Models {
		seen[m.Name] = map[string]bool{}
	}
	for end := time.Now().Add(time.Minute); time.Now().Before(end) && !allSeen(seen); {
		select {
		case err := <-done:
			t.Fatalf("run stopped: %v", err)
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		fs := cl.PollFetches(ctx)
		cancel()
		for it := fs.RecordIter(); !it.Done(); {
			v, err := dec.Decode(it.Next().Value)
			if err != nil {
				t.Fatalf("decode prediction: %v", err)
			}
			for _, pr := range v.(*wire.PredictionBatch).Predictions {
				seen[pr.Model][pr.ID] = true
			}
		}
	}
	return seen
}

func allSeen(seen map[string]map[string]bool) bool {
	for _, ids := range seen {
		if len(ids) < secRows {
			return false
		}
	}
	return true
}

// checkRejected checks that both client stacks fail with bad settings, with
// an error that mentions want, within a bounded time.
func checkRejected(t *testing.T, brokers []string, bad kafkaclient.Security, want string) {
	t.Helper()
	opts, err := bad.Kgo()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	_, err = secureAdmin(t, brokers, append(opts, kgo.RequestRetries(0))).ListTopics(ctx)
	err = bad.Explain(err)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("franz-go with bad settings: err = %v, want one mentioning %q", err, want)
	}
	cfg := sensorConfig(unique("rejected"), "rejected-in", 1)
	p, err := topology.Build(cfg)
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithTimeout(context.Background(), 60*time.Second)
	defer stop()
	err = operations.Run(runCtx, p, operations.RunOptions{Brokers: brokers, StateDir: t.TempDir(), Security: bad})
	if err == nil || runCtx.Err() != nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("sarama with bad settings: err = %v, want a failure mentioning %q before the deadline", err, want)
	}
	if bad.SASL.Password != "" && strings.Contains(err.Error(), bad.SASL.Password) {
		t.Errorf("error shows the password: %v", err)
	}
	t.Logf("sarama with bad settings: %v", err)
}

// selfSigned returns a certificate for 127.0.0.1 and the path of its PEM
// (the clients' CA file).
func selfSigned(t *testing.T) (tls.Certificate, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "streamsgd test broker"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tls.X509KeyPair(certPEM, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}))
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return cert, caFile
}
