package topology

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// SASL mechanisms logpulse speaks, as Kafka names them.
const (
	SASLPlain       = "PLAIN"
	SASLScramSHA256 = "SCRAM-SHA-256"
	SASLScramSHA512 = "SCRAM-SHA-512"
)

// Security is how every Kafka client of a process connects: TLS and SASL,
// applied alike to the franz-go clients (KgoOpts) and to goka's sarama
// configs (SaramaConfig). The zero value is plaintext without
// authentication.
type Security struct {
	// TLS is the client TLS config; nil means plaintext.
	TLS *tls.Config
	// SASLMechanism is one of SASLPlain, SASLScramSHA256, SASLScramSHA512,
	// or "" for no authentication.
	SASLMechanism string
	User          string
	Password      string
}

// TLSFiles names the PEM files of a client TLS config.
type TLSFiles struct {
	CA         string // CA bundle that signed the brokers' certificates; "" trusts the system roots
	Cert, Key  string // client certificate and key, for brokers that require one (mTLS)
	ServerName string // name to verify the brokers' certificates against; "" uses each broker's host
}

// LoadTLS builds a client TLS config from PEM files. Errors name the flag
// to fix (--tls-ca, --tls-cert, --tls-key).
func LoadTLS(f TLSFiles) (*tls.Config, error) {
	c := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: f.ServerName}
	if f.CA != "" {
		pem, err := os.ReadFile(f.CA)
		if err != nil {
			return nil, fmt.Errorf("--tls-ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--tls-ca: %s holds no PEM certificate", f.CA)
		}
		c.RootCAs = pool
	}
	switch {
	case f.Cert != "" && f.Key != "":
		cert, err := tls.LoadX509KeyPair(f.Cert, f.Key)
		if err != nil {
			return nil, fmt.Errorf("--tls-cert/--tls-key: %w", err)
		}
		c.Certificates = []tls.Certificate{cert}
	case f.Cert != "" || f.Key != "":
		return nil, errors.New("--tls-cert and --tls-key go together: give both or neither")
	}
	return c, nil
}

// ParseSASLMechanism maps a flag value (any case, "scram-sha-256") to
// Kafka's name for the mechanism; "" and "none" mean no SASL.
func ParseSASLMechanism(s string) (string, error) {
	switch m := strings.ToUpper(strings.TrimSpace(s)); m {
	case "", "NONE":
		return "", nil
	case SASLPlain, SASLScramSHA256, SASLScramSHA512:
		return m, nil
	}
	return "", fmt.Errorf("--sasl-mechanism must be plain, scram-sha-256 or scram-sha-512, got %q", s)
}

// Validate checks that SASL has what it needs.
func (s Security) Validate() error {
	if s.SASLMechanism == "" {
		if s.User != "" || s.Password != "" {
			return errors.New("--sasl-user/--sasl-password are set but --sasl-mechanism is not: set it to plain, scram-sha-256 or scram-sha-512")
		}
		return nil
	}
	if _, err := ParseSASLMechanism(s.SASLMechanism); err != nil {
		return err
	}
	if s.User == "" || s.Password == "" {
		return fmt.Errorf("--sasl-mechanism %s needs --sasl-user and --sasl-password (or --sasl-password-file)", s.SASLMechanism)
	}
	return nil
}

// String describes the security settings without the password, for logs.
func (s Security) String() string {
	tlsOn := "plaintext"
	if s.TLS != nil {
		tlsOn = "tls"
	}
	if s.SASLMechanism == "" {
		return tlsOn
	}
	return fmt.Sprintf("%s, sasl %s user %s", tlsOn, s.SASLMechanism, s.User)
}

// LogValue keeps the password out of structured logs.
func (s Security) LogValue() slog.Value { return slog.StringValue(s.String()) }

// KgoOpts are the franz-go client options for s.
func (s Security) KgoOpts() []kgo.Opt {
	var opts []kgo.Opt
	if s.TLS != nil {
		// kgo clones the config per connection and fills in ServerName
		// from the broker's host when it is empty.
		opts = append(opts, kgo.DialTLSConfig(s.TLS.Clone()))
	}
	if m := s.mechanism(); m != nil {
		opts = append(opts, kgo.SASL(m))
	}
	return opts
}

func (s Security) mechanism() sasl.Mechanism {
	switch s.SASLMechanism {
	case SASLPlain:
		return plain.Auth{User: s.User, Pass: s.Password}.AsMechanism()
	case SASLScramSHA256:
		return scram.Auth{User: s.User, Pass: s.Password}.AsSha256Mechanism()
	case SASLScramSHA512:
		return scram.Auth{User: s.User, Pass: s.Password}.AsSha512Mechanism()
	}
	return nil
}

// applySarama sets TLS and SASL on a sarama config.
func (s Security) applySarama(c *sarama.Config) {
	if s.TLS != nil {
		c.Net.TLS.Enable = true
		// crypto/tls fills in ServerName from the dialled host when empty.
		c.Net.TLS.Config = s.TLS.Clone()
	}
	if s.SASLMechanism == "" {
		return
	}
	c.Net.SASL.Enable = true
	c.Net.SASL.Handshake = true
	// v1 wraps the exchange in SaslAuthenticate requests, so a refusal
	// comes back as an error code rather than a closed connection.
	c.Net.SASL.Version = sarama.SASLHandshakeV1
	c.Net.SASL.Mechanism = sarama.SASLMechanism(s.SASLMechanism)
	c.Net.SASL.User = s.User
	c.Net.SASL.Password = s.Password
	if s.SASLMechanism != SASLPlain {
		sec := s
		c.Net.SASL.SCRAMClientGeneratorFunc = func() sarama.SCRAMClient { return &scramClient{mech: sec.mechanism()} }
	}
}

// scramClient runs sarama's SCRAM exchange on franz-go's SCRAM
// implementation, so both client libraries share one (and no further
// module is needed). sarama calls Begin, then Step("") for the client's
// first message, then Step with each server message until Done.
type scramClient struct {
	mech sasl.Mechanism
	sess sasl.Session
	done bool
}

func (c *scramClient) Begin(_, _, _ string) error { return nil }

func (c *scramClient) Step(challenge string) (string, error) {
	if c.sess == nil {
		sess, first, err := c.mech.Authenticate(context.Background(), "")
		if err != nil {
			return "", err
		}
		c.sess = sess
		return string(first), nil
	}
	done, resp, err := c.sess.Challenge([]byte(challenge))
	if err != nil {
		return "", err
	}
	c.done = done
	return string(resp), nil
}

func (c *scramClient) Done() bool { return c.done }
