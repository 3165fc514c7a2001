package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/logpulse/logpulse/topology"
)

// securityFlags are how every Kafka-facing command reaches a secured
// cluster: TLS and SASL, registered with the --brokers flag.
type securityFlags struct {
	tls                    bool
	tlsCA, tlsCert, tlsKey string
	tlsServerName          string
	saslMechanism          string
	saslUser, saslPassword string
	saslPasswordFile       string
	sec                    topology.Security // what validate built
}

func (s *securityFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&s.tls, "tls", false, "connect to the brokers over TLS (implied by any other --tls-* flag)")
	fs.StringVar(&s.tlsCA, "tls-ca", "", "PEM file of the CA that signed the brokers' certificates (default: the system's CAs)")
	fs.StringVar(&s.tlsCert, "tls-cert", "", "PEM client certificate, for brokers that require one (with --tls-key)")
	fs.StringVar(&s.tlsKey, "tls-key", "", "PEM key of --tls-cert")
	fs.StringVar(&s.tlsServerName, "tls-server-name", "", "name to verify the brokers' certificates against (default: the host in --brokers)")
	fs.StringVar(&s.saslMechanism, "sasl-mechanism", "", "SASL login: plain, scram-sha-256 or scram-sha-512 (default: none)")
	fs.StringVar(&s.saslUser, "sasl-user", "", "SASL user name")
	fs.StringVar(&s.saslPassword, "sasl-password", "", "SASL password; prefer --sasl-password-file, which keeps it out of the environment and the process list")
	fs.StringVar(&s.saslPasswordFile, "sasl-password-file", "", "file holding the SASL password (a trailing newline is ignored), e.g. a mounted secret")
}

func (s *securityFlags) set() bool {
	return s.tls || s.tlsCA != "" || s.tlsCert != "" || s.tlsKey != "" || s.tlsServerName != "" ||
		s.saslMechanism != "" || s.saslUser != "" || s.saslPassword != "" || s.saslPasswordFile != ""
}

// load reads the files the flags name and checks the combination.
func (s *securityFlags) load() error {
	var sec topology.Security
	if s.tls || s.tlsCA != "" || s.tlsCert != "" || s.tlsKey != "" || s.tlsServerName != "" {
		c, err := topology.LoadTLS(topology.TLSFiles{CA: s.tlsCA, Cert: s.tlsCert, Key: s.tlsKey, ServerName: s.tlsServerName})
		if err != nil {
			return err
		}
		sec.TLS = c
	}
	m, err := topology.ParseSASLMechanism(s.saslMechanism)
	if err != nil {
		return err
	}
	sec.SASLMechanism, sec.User, sec.Password = m, s.saslUser, s.saslPassword
	if s.saslPasswordFile != "" {
		if s.saslPassword != "" {
			return errors.New("--sasl-password and --sasl-password-file both set: give one")
		}
		b, err := os.ReadFile(s.saslPasswordFile)
		if err != nil {
			return fmt.Errorf("--sasl-password-file: %w", err)
		}
		sec.Password = strings.TrimRight(string(b), "\r\n")
	}
	if err := sec.Validate(); err != nil {
		return err
	}
	s.sec = sec
	return nil
}

// preflightWithin is how long a command waits for the brokers at start.
const preflightWithin = 30 * time.Second

// connect builds the stages and checks, before any of them starts, that
// the brokers accept the TLS and SASL settings: a wrong password ends the
// command within seconds with the flag to fix.
func connect(ctx context.Context, c *common, brokers []string, log *slog.Logger) (*stages, error) {
	s := newStages(c, brokers, log)
	if err := topology.Preflight(ctx, brokers, c.sec, preflightWithin); err != nil {
		return nil, err
	}
	log.Info("kafka reachable", "brokers", brokers, "security", c.sec)
	return s, nil
}
