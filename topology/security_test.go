package topology_test

import (
	"crypto/tls"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/logpulse/logpulse/internal/certs"
	"github.com/logpulse/logpulse/internal/embedkafka"
	"github.com/logpulse/logpulse/topology"
)

// secureBroker is an embedded broker serving TLS with SCRAM and PLAIN
// logins and ACLs on, and the CA file that signed its certificate.
type secureBroker struct {
	addr   string
	caFile string
}

const testPassword = "s3cret-Pa55word"

func startSecureBroker(tb testing.TB) secureBroker {
	tb.Helper()
	local, err := certs.NewLocal(tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	b, err := embedkafka.Start(embedkafka.Config{Listen: "127.0.0.1:0", Auth: &embedkafka.Auth{
		TLS: local.Server,
		Users: []embedkafka.User{
			{Mechanism: topology.SASLScramSHA256, Name: "admin", Password: testPassword, Super: true},
			{Mechanism: topology.SASLScramSHA512, Name: "admin", Password: testPassword, Super: true},
			{Mechanism: topology.SASLPlain, Name: "admin", Password: testPassword, Super: true},
		},
		ACLs: true,
	}})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(b.Close)
	return secureBroker{addr: b.Addrs()[0], caFile: local.CAFile}
}

func (b secureBroker) security(tb testing.TB, mech, password string) topology.Security {
	tb.Helper()
	c, err := topology.LoadTLS(topology.TLSFiles{CA: b.caFile})
	if err != nil {
		tb.Fatal(err)
	}
	return topology.Security{TLS: c, SASLMechanism: mech, User: "admin", Password: password}
}

// TestPreflightSecurity: good settings connect; each wrong one fails within
// seconds, names the flag to fix, and never shows the password.
func TestPreflightSecurity(t *testing.T) {
	b := startSecureBroker(t)
	for _, m := range []string{topology.SASLPlain, topology.SASLScramSHA256, topology.SASLScramSHA512} {
		if err := topology.Preflight(t.Context(), []string{b.addr}, b.security(t, m, testPassword), 20*time.Second); err != nil {
			t.Errorf("%s with good credentials: %v", m, err)
		}
	}

	otherCA, err := certs.NewCA("someone else's CA")
	if err != nil {
		t.Fatal(err)
	}
	untrusted := b.security(t, topology.SASLScramSHA256, testPassword)
	untrusted.TLS.RootCAs = otherCA.Pool()
	misnamed := b.security(t, topology.SASLScramSHA256, testPassword)
	misnamed.TLS.ServerName = "kafka.example.com"
	for _, tc := range []struct {
		name string
		sec  topology.Security
		want string
	}{
		{"wrong password", b.security(t, topology.SASLScramSHA256, "wrong-"+testPassword), "--sasl-password"},
		{"wrong plain password", b.security(t, topology.SASLPlain, "wrong-"+testPassword), "--sasl-password"},
		{"plaintext to a TLS listener", topology.Security{SASLMechanism: topology.SASLScramSHA256, User: "admin", Password: testPassword}, "set --tls"},
		{"untrusted CA", untrusted, "--tls-ca"},
		{"wrong server name", misnamed, "--tls-server-name"},
		{"no SASL", topology.Security{TLS: b.security(t, "", "").TLS}, "--sasl-mechanism"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			err := topology.Preflight(t.Context(), []string{b.addr}, tc.sec, 20*time.Second)
			took := time.Since(start)
			t.Log(err)
			if err == nil {
				t.Fatal("connected; want an error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error does not name %s:\n%v", tc.want, err)
			}
			if strings.Contains(err.Error(), testPassword) {
				t.Errorf("error shows the password: %v", err)
			}
			if took > 10*time.Second {
				t.Errorf("took %s to fail; want seconds", took)
			}
		})
	}
}

// TestSaramaSecurity: goka's clients (sarama) log in with the same
// settings, over franz-go's SCRAM through the adapter.
func TestSaramaSecurity(t *testing.T) {
	b := startSecureBroker(t)
	for _, m := range []string{topology.SASLPlain, topology.SASLScramSHA256, topology.SASLScramSHA512} {
		cl, err := sarama.NewClient([]string{b.addr}, topology.SaramaConfig(b.security(t, m, testPassword)))
		if err != nil {
			t.Errorf("%s: %v", m, err)
			continue
		}
		if _, err := cl.Topics(); err != nil {
			t.Errorf("%s: list topics: %v", m, err)
		}
		cl.Close()
	}
	cfg := topology.SaramaConfig(b.security(t, topology.SASLScramSHA256, "wrong"))
	cfg.Metadata.Retry.Max = 0
	if cl, err := sarama.NewClient([]string{b.addr}, cfg); err == nil {
		cl.Close()
		t.Error("sarama logged in with a wrong password")
	}
}

func TestSecurityValidate(t *testing.T) {
	for _, tc := range []struct {
		sec  topology.Security
		want string
	}{
		{topology.Security{User: "u"}, "--sasl-mechanism"},
		{topology.Security{SASLMechanism: topology.SASLPlain, User: "u"}, "--sasl-password"},
		{topology.Security{SASLMechanism: "GSSAPI", User: "u", Password: "p"}, "--sasl-mechanism"},
	} {
		if err := tc.sec.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: got %v, want an error naming %s", tc.sec, err, tc.want)
		}
	}
	if got := (topology.Security{SASLMechanism: topology.SASLPlain, User: "u", Password: "hunter2"}).String(); strings.Contains(got, "hunter2") {
		t.Errorf("String() shows the password: %s", got)
	}
	if _, err := topology.ParseSASLMechanism("scram-sha-512"); err != nil {
		t.Error(err)
	}
}

// TestPreflightMutualTLS: a broker that requires a client certificate
// accepts --tls-cert/--tls-key, and without them the error names them.
func TestPreflightMutualTLS(t *testing.T) {
	dir := t.TempDir()
	local, err := certs.NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	clientCA, err := certs.NewCA("client CA")
	if err != nil {
		t.Fatal(err)
	}
	pair, err := clientCA.Issue("logpulse")
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile, err := pair.Write(dir, "client")
	if err != nil {
		t.Fatal(err)
	}
	server := local.Server.Clone()
	server.ClientCAs, server.ClientAuth = clientCA.Pool(), tls.RequireAndVerifyClientCert
	b, err := embedkafka.Start(embedkafka.Config{Listen: "127.0.0.1:0", Auth: &embedkafka.Auth{TLS: server}})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	with, err := topology.LoadTLS(topology.TLSFiles{CA: local.CAFile, Cert: certFile, Key: keyFile})
	if err != nil {
		t.Fatal(err)
	}
	if err := topology.Preflight(t.Context(), b.Addrs(), topology.Security{TLS: with}, 20*time.Second); err != nil {
		t.Errorf("with a client certificate: %v", err)
	}
	without, err := topology.LoadTLS(topology.TLSFiles{CA: local.CAFile})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = topology.Preflight(t.Context(), b.Addrs(), topology.Security{TLS: without}, 20*time.Second)
	if err == nil || !strings.Contains(err.Error(), "--tls-cert") {
		t.Errorf("without a client certificate: got %v, want an error naming --tls-cert", err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("took %s to fail", took)
	}
}
