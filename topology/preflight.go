package topology

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
)

// Preflight connects to the brokers with sec and asks for metadata, so a
// wrong password, TLS setting or address is reported at start, with the
// flag to fix, instead of as endless retries in every stage (sarama reports
// a refused SASL login as a bare EOF). A broker that is not up yet is
// retried until within has passed; a refused login or an untrusted
// certificate fails at once.
func Preflight(ctx context.Context, brokers []string, sec Security, within time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	opts := []kgo.Opt{
		kgo.SeedBrokers(brokers...),
		kgo.DialTimeout(5 * time.Second),
		kgo.RequestTimeoutOverhead(5 * time.Second),
	}
	if sec.TLS != nil {
		opts = append(opts, kgo.DialTLSConfig(sec.TLS.Clone()))
	}
	var login loginTrace
	if m := sec.mechanism(); m != nil {
		opts = append(opts, kgo.SASL(&tracedMechanism{Mechanism: m, t: &login}))
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return fmt.Errorf("kafka client: %w", err)
	}
	defer cl.Close()
	var last error
	closes := 0
	for {
		err := cl.Ping(ctx)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil && last != nil {
			return last // the attempt cut short by the deadline says less
		}
		fatal, explained := explain(ctx, err, brokers, sec, &login)
		last = explained
		if closedEarly(err) {
			// A broker closes a connection it will not serve at once
			// (missing SASL, a refused login on some brokers, TLS
			// mismatch); a restarting one might too, so allow a few.
			closes++
			fatal = fatal || closes >= 3
		}
		if fatal || ctx.Err() != nil {
			return explained
		}
		select {
		case <-ctx.Done():
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func closedEarly(err error) bool {
	var first *kgo.ErrFirstReadEOF
	return errors.As(err, &first) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET)
}

// loginTrace counts SASL exchanges begun and completed: a connection
// closed while one is open means the broker refused the login (Kafka
// answers with an error code, but some brokers and sarama only show EOF).
type loginTrace struct{ began, done atomic.Int64 }

func (t *loginTrace) cutOff() bool { return t.began.Load() > t.done.Load() }

type tracedMechanism struct {
	sasl.Mechanism
	t *loginTrace
}

func (m *tracedMechanism) Authenticate(ctx context.Context, host string) (sasl.Session, []byte, error) {
	s, first, err := m.Mechanism.Authenticate(ctx, host)
	if err != nil {
		return nil, nil, err
	}
	m.t.began.Add(1)
	return &tracedSession{Session: s, t: m.t}, first, nil
}

type tracedSession struct {
	sasl.Session
	t *loginTrace
}

func (s *tracedSession) Challenge(b []byte) (bool, []byte, error) {
	done, resp, err := s.Session.Challenge(b)
	if done && err == nil {
		s.t.done.Add(1)
	}
	return done, resp, err
}

// explain turns a connection error into one that names the flag to fix,
// and says whether retrying can help.
func explain(ctx context.Context, err error, brokers []string, sec Security, login *loginTrace) (fatal bool, _ error) {
	where := strings.Join(brokers, ",")
	var (
		unknownCA x509.UnknownAuthorityError
		hostname  x509.HostnameError
		invalid   x509.CertificateInvalidError
		alert     tls.AlertError
		record    tls.RecordHeaderError
	)
	switch {
	case errors.As(err, &unknownCA):
		return true, fmt.Errorf("connect to %s: the broker's TLS certificate is signed by an authority this client does not trust: set --tls-ca to the CA file that signed it: %w", where, err)
	case errors.As(err, &hostname):
		return true, fmt.Errorf("connect to %s: the broker's TLS certificate is not valid for this host name: set --tls-server-name to a name it holds, or use that name in --brokers: %w", where, err)
	case errors.As(err, &invalid):
		return true, fmt.Errorf("connect to %s: the broker's TLS certificate is invalid (expired, or not for a server): %w", where, err)
	case errors.As(err, &alert) || strings.Contains(err.Error(), "remote error: tls:"):
		return true, fmt.Errorf("connect to %s: the broker refused the TLS handshake (does it require a client certificate? set --tls-cert and --tls-key): %w", where, err)
	case errors.As(err, &record):
		return true, fmt.Errorf("connect to %s: the broker does not speak TLS on this port: drop --tls or point --brokers at its TLS listener: %w", where, err)
	case errors.Is(err, kerr.SaslAuthenticationFailed) || closedEarly(err) && login.cutOff():
		return true, fmt.Errorf("connect to %s: SASL %s login as %q refused: check --sasl-user and --sasl-password (or --sasl-password-file): %w", where, sec.SASLMechanism, sec.User, err)
	case errors.Is(err, kerr.UnsupportedSaslMechanism):
		return true, fmt.Errorf("connect to %s: the broker does not enable SASL mechanism %s: set --sasl-mechanism to one it enables: %w", where, sec.SASLMechanism, err)
	case errors.Is(err, kerr.IllegalSaslState):
		return true, fmt.Errorf("connect to %s: the broker expects a SASL login: set --sasl-mechanism, --sasl-user and --sasl-password: %w", where, err)
	case errors.Is(err, syscall.ECONNREFUSED):
		return false, fmt.Errorf("connect to %s: nothing listens there (yet): check --brokers: %w", where, err)
	case closedEarly(err):
		if sec.TLS == nil && speaksTLS(ctx, brokers) {
			return true, fmt.Errorf("connect to %s: the broker's listener uses TLS: set --tls (and --tls-ca if its CA is not a system one): %w", where, err)
		}
		hint := "its listener likely requires SASL: set --sasl-mechanism, --sasl-user and --sasl-password"
		if sec.SASLMechanism != "" {
			hint = "check --sasl-mechanism against the listener's enabled mechanisms"
		}
		if sec.TLS != nil {
			hint += "; if it is not a TLS listener, drop --tls"
		}
		return false, fmt.Errorf("connect to %s: the broker closed the connection (%s): %w", where, hint, err)
	}
	return false, fmt.Errorf("connect to %s: %w", where, err)
}

// speaksTLS reports whether any broker completes a TLS handshake: a
// plaintext client's request to a TLS listener only ever sees the
// connection close.
func speaksTLS(ctx context.Context, brokers []string) bool {
	for _, b := range brokers {
		d := tls.Dialer{NetDialer: &net.Dialer{Timeout: 2 * time.Second}, Config: &tls.Config{
			// Only probing whether the listener speaks TLS at all; nothing
			// is sent over this connection.
			InsecureSkipVerify: true, //nolint:gosec
		}}
		hctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		c, err := d.DialContext(hctx, "tcp", b)
		cancel()
		if err == nil {
			c.Close()
			return true
		}
		var alert tls.AlertError
		if errors.As(err, &alert) || strings.Contains(err.Error(), "remote error: tls:") {
			return true // a TLS server that wants a client certificate
		}
	}
	return false
}
