package main

import (
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/logpulse/logpulse/internal/alerts"
	"github.com/logpulse/logpulse/internal/app"
)

// apiFlags are the flags of the HTTP API and its alerts (run and serve).
type apiFlags struct {
	http          string
	maxPoints     int
	corsOrigins   string
	apiToken      string
	apiTokenFile  string
	rules         string
	publishAlerts bool
	token         string       // what validate read from --api-token or --api-token-file
	windows       *windowFlags // --rules are checked against --window
}

func (f *apiFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.http, "http", ":8080", "address of the HTTP API and dashboard")
	fs.IntVar(&f.maxPoints, "max-points", 10000, "most windows one query may return")
	fs.StringVar(&f.corsOrigins, "cors-origin", "", "origins browsers may call the API from, exactly as sent (https://grafana.example.com), comma-separated; empty sends no CORS headers")
	fs.StringVar(&f.apiToken, "api-token", "", "bearer token required on every /v1/ request (prefer --api-token-file: flags show in ps)")
	fs.StringVar(&f.apiTokenFile, "api-token-file", "", "file holding the bearer token for /v1/ (one line)")
	fs.StringVar(&f.rules, "rules", "", "alert rules file (YAML or JSON); empty uses the default rules (ERROR+FATAL ratio > 5% over 5m, ERROR+FATAL spike)")
	fs.BoolVar(&f.publishAlerts, "publish-alerts", true, "write firing and resolving alerts to the alerts topic (turn off on all but one serve replica)")
}

func (f *apiFlags) validate() error {
	errs := []error{checkAddr("http", f.http, false)}
	if f.maxPoints < 1 {
		errs = append(errs, fmt.Errorf("--max-points must be positive, got %d", f.maxPoints))
	}
	for _, o := range f.origins() {
		u, err := url.Parse(o)
		if o == "*" || err != nil || u.Scheme == "" || u.Host == "" || (u.Path != "" && u.Path != "/") {
			errs = append(errs, fmt.Errorf("--cors-origin: %q is not an origin; list each exactly, like https://grafana.example.com", o))
		}
	}
	if f.apiToken != "" && f.apiTokenFile != "" {
		errs = append(errs, errors.New("set one of --api-token and --api-token-file, not both"))
	} else if tok, err := f.readToken(); err != nil {
		errs = append(errs, err)
	} else {
		f.token = tok
	}
	if f.rules != "" && f.windows != nil && f.windows.validate() == nil {
		if _, err := alerts.LoadRules(f.rules, f.windows.window); err != nil {
			errs = append(errs, fmt.Errorf("--rules: %w", err))
		}
	}
	return errors.Join(errs...)
}

// origins are the CORS origins, trailing slashes dropped (browsers send
// none).
func (f *apiFlags) origins() []string {
	var out []string
	for o := range strings.SplitSeq(f.corsOrigins, ",") {
		if o = strings.TrimSuffix(strings.TrimSpace(o), "/"); o != "" {
			out = append(out, o)
		}
	}
	return out
}

// readToken reads the API token from the flag or the file.
func (f *apiFlags) readToken() (string, error) {
	if f.apiTokenFile == "" {
		return f.apiToken, nil
	}
	b, err := os.ReadFile(f.apiTokenFile)
	if err != nil {
		return "", fmt.Errorf("--api-token-file: %w", err)
	}
	tok := strings.TrimSpace(string(b))
	if tok == "" {
		return "", fmt.Errorf("--api-token-file: %s is empty", f.apiTokenFile)
	}
	return tok, nil
}

func (f *apiFlags) config() app.APIConfig {
	return app.APIConfig{
		Addr: f.http, MaxPoints: f.maxPoints, CORSOrigins: f.origins(), Token: f.token,
		Rules: f.rules, PublishAlerts: f.publishAlerts,
	}
}
