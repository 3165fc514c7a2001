package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/logpulse/logpulse/topology"
)

// kafkaFlags are how a command reaches Kafka: --brokers with TLS and SASL.
type kafkaFlags struct {
	brokers string
	usage   string // of --brokers
	// required is the error when --brokers is empty; "" lets it be empty
	// (the command then starts an embedded, plaintext broker).
	required string
	securityFlags
}

func (f *kafkaFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.brokers, "brokers", "", f.usage)
	f.securityFlags.register(fs)
}

func (f *kafkaFlags) validate() error {
	var errs []error
	list := f.list()
	for _, b := range list {
		if !strings.Contains(b, ":") {
			errs = append(errs, fmt.Errorf("--brokers: %q has no port; use host:port, e.g. localhost:9092", b))
		}
	}
	if len(list) == 0 && f.required != "" {
		errs = append(errs, errors.New(f.required))
	}
	if err := f.securityFlags.load(); err != nil {
		errs = append(errs, err)
	} else if len(list) == 0 && f.securityFlags.set() {
		errs = append(errs, errors.New("TLS and SASL flags apply to --brokers: the embedded broker is plaintext"))
	}
	return errors.Join(errs...)
}

// list is --brokers as a list; empty when not set.
func (f *kafkaFlags) list() []string {
	var out []string
	for b := range strings.SplitSeq(f.brokers, ",") {
		if b = strings.TrimSpace(b); b != "" {
			out = append(out, b)
		}
	}
	return out
}

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
