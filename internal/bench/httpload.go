package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/logpulse/logpulse/internal/httpapi"
)

// httpServices and httpSpan are the data shape of the HTTP run: an hour of
// windows of 50 services, which /v1/levels is asked for in full. It fills
// at most httpEvents events (fewer when --count is smaller).
const (
	httpServices = 50
	httpSpan     = time.Hour
	httpEvents   = 200_000
)

// httpLoad fills an hour of windows for 50 services, waits until the view
// shows them, then has cfg.Clients clients ask GET /v1/levels for the hour
// (summed over all services) back to back for cfg.Duration, over loopback
// to the real handler on the rollup index.
func httpLoad(ctx context.Context, cfg *Config, r *Result, run int) error {
	e, err := newEnv(ctx, cfg, fmt.Sprintf("h%d", run))
	if err != nil {
		return err
	}
	defer e.close()
	from := time.Now().Add(-httpSpan - cfg.Window - cfg.Grace).Truncate(cfg.Window)
	to := from.Add(httpSpan)
	n := min(httpEvents, cfg.Count)
	cfg.progress("run %d: http: filling %d events, %d services over %s", run+1, n, httpServices, httpSpan)
	if _, err := e.fill(ctx, fillSpec{n: n, services: httpServices, from: from, span: httpSpan}); err != nil {
		return err
	}
	s, err := startStack(ctx, e)
	if err != nil {
		return err
	}
	herr := s.waitTotal(ctx, int64(n), from, to, 5*time.Minute)
	if herr == nil {
		cfg.progress("run %d: http: %d clients for %s", run+1, cfg.Clients, cfg.Duration)
		var stopProfile func()
		if stopProfile, herr = startProfile(cfg.ProfileDir, run, "http"); herr == nil {
			herr = hammer(ctx, cfg, s, from, to, r)
			stopProfile()
		}
	}
	return errors.Join(herr, s.stop())
}

func hammer(ctx context.Context, cfg *Config, s *stack, from, to time.Time, r *Result) error {
	h := httpapi.New(httpapi.Config{Source: s.ix, Window: cfg.Window, Grace: cfg.Grace, Logger: cfg.Logger})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(l)
	defer srv.Close()
	u := "http://" + l.Addr().String() + "/v1/levels?" + url.Values{
		"from": {from.UTC().Format(time.RFC3339)}, "to": {to.UTC().Format(time.RFC3339)},
	}.Encode()
	tr := &http.Transport{MaxIdleConnsPerHost: cfg.Clients, MaxConnsPerHost: cfg.Clients}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}

	var (
		mu   sync.Mutex
		lats []float64
		errs []error
	)
	began := time.Now()
	end := began.Add(cfg.Duration)
	var wg sync.WaitGroup
	for range cfg.Clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []float64
			for time.Now().Before(end) && ctx.Err() == nil {
				t0 := time.Now()
				resp, err := client.Get(u)
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if err == nil && resp.StatusCode != http.StatusOK {
						err = fmt.Errorf("GET /v1/levels: %s", resp.Status)
					}
				}
				if err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
					return
				}
				mine = append(mine, float64(time.Since(t0))/float64(time.Millisecond))
			}
			mu.Lock()
			lats = append(lats, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	took := time.Since(began)
	if err := errors.Join(errs...); err != nil {
		return err
	}
	slices.Sort(lats)
	r.HTTPClients = cfg.Clients
	r.HTTPP50, r.HTTPP99 = quantile(lats, 0.50), quantile(lats, 0.99)
	r.HTTPRPS = float64(len(lats)) / took.Seconds()
	return nil
}
