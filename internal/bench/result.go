package bench

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Result is one run's figures; zero where not measured.
type Result struct {
	Count      int     `json:"count"`
	Format     string  `json:"format"`
	Services   int     `json:"services"`
	Partitions int     `json:"partitions"`
	SpanSec    float64 `json:"span_seconds,omitempty"` // event-time span of the events
	FillEPS    float64 `json:"fill_events_per_s,omitempty"`
	Keys       int     `json:"service_windows,omitempty"` // distinct (service, window) keys
	// StatePerKey is the live heap the running pipeline held after the
	// logpulse phase, per (service, window) key, in bytes.
	StatePerKey float64       `json:"state_bytes_per_key,omitempty"`
	Phases      []PhaseResult `json:"phases,omitempty"`
	// Ratios of the logpulse phase's events/s to the others'.
	VsLimit       float64 `json:"logpulse_vs_limit,omitempty"`
	VsGokaMemory  float64 `json:"logpulse_vs_goka_memory,omitempty"`
	VsGokaLevelDB float64 `json:"logpulse_vs_goka_leveldb,omitempty"`
	// VsKStreams is logpulse's (as separate processes when measured so)
	// events/s over Kafka Streams'.
	VsKStreams float64 `json:"logpulse_vs_kstreams,omitempty"`
	// Latencies (--peer): produce to visible of each system measured.
	Latencies []Latency `json:"latencies,omitempty"`
	// Latency run: produce to visible in the view, at Rate events/s.
	LatencyRate float64 `json:"latency_rate,omitempty"`
	LatencyP50  float64 `json:"latency_p50_ms,omitempty"`
	LatencyP99  float64 `json:"latency_p99_ms,omitempty"`
	LatencyMax  float64 `json:"latency_max_ms,omitempty"`
	// HTTP run: GET /v1/levels.
	HTTPClients int     `json:"http_clients,omitempty"`
	HTTPP50     float64 `json:"http_p50_ms,omitempty"`
	HTTPP99     float64 `json:"http_p99_ms,omitempty"`
	HTTPRPS     float64 `json:"http_requests_per_s,omitempty"`
	PeakRSS     uint64  `json:"peak_rss_bytes"` // the process's high-water mark at the end
}

// PhaseResult is one throughput phase.
type PhaseResult struct {
	Name     string  `json:"name"`
	Seconds  float64 `json:"seconds"`
	EPS      float64 `json:"events_per_s"`
	HeapPeak uint64  `json:"heap_peak_bytes"` // peak heap objects during the phase
	RSSPeak  uint64  `json:"rss_peak_bytes"`  // peak resident set during the phase
	HWM      uint64  `json:"rss_hwm_bytes"`   // process high-water mark after the phase
	// FirstSeconds (logpulse only): until the view showed the first count,
	// i.e. startup plus one transaction.
	FirstSeconds float64 `json:"first_visible_seconds,omitempty"`
	// Procs (phases that run their own processes): each one's resident
	// high-water mark; HWM is then their sum.
	Procs []ProcRSS `json:"processes,omitempty"`
}

// ProcRSS is a process's resident high-water mark (VmHWM).
type ProcRSS struct {
	Name string `json:"name"`
	HWM  uint64 `json:"rss_hwm_bytes"`
}

func (r *Result) phase(name string) *PhaseResult {
	for i := range r.Phases {
		if r.Phases[i].Name == name {
			return &r.Phases[i]
		}
	}
	return nil
}

func (r *Result) ratios() {
	r.PeakRSS = procStatus("VmHWM:")
	// logpulse in this process, else as separate processes.
	lp := r.phase(PhaseLogpulse)
	if lp == nil {
		lp = r.phase(PhaseStages)
	}
	if lp == nil {
		return
	}
	ratio := func(name string) float64 {
		if o := r.phase(name); o != nil && o.EPS > 0 {
			return lp.EPS / o.EPS
		}
		return 0
	}
	r.VsLimit, r.VsGokaMemory, r.VsGokaLevelDB = ratio(PhaseLimit), ratio(PhaseGokaMemory), ratio(PhaseGokaLevelDB)
	// Process beside process where both ran so.
	if st := r.phase(PhaseStages); st != nil {
		lp = st
	}
	r.VsKStreams = ratio(PhaseKStreams)
}

// median takes each figure's median over the runs (phases matched by
// position: every run has the same phases).
func median(runs []Result) Result {
	out := runs[0]
	out.Phases = slices.Clone(out.Phases)
	med := func(get func(*Result) float64) float64 {
		xs := make([]float64, len(runs))
		for i := range runs {
			xs[i] = get(&runs[i])
		}
		slices.Sort(xs)
		if len(xs)%2 == 1 {
			return xs[len(xs)/2]
		}
		return (xs[len(xs)/2-1] + xs[len(xs)/2]) / 2
	}
	medU := func(get func(*Result) uint64) uint64 {
		return uint64(med(func(r *Result) float64 { return float64(get(r)) }))
	}
	out.FillEPS = med(func(r *Result) float64 { return r.FillEPS })
	for i := range out.Phases {
		out.Phases[i].Seconds = med(func(r *Result) float64 { return r.Phases[i].Seconds })
		out.Phases[i].EPS = med(func(r *Result) float64 { return r.Phases[i].EPS })
		out.Phases[i].HeapPeak = medU(func(r *Result) uint64 { return r.Phases[i].HeapPeak })
		out.Phases[i].RSSPeak = medU(func(r *Result) uint64 { return r.Phases[i].RSSPeak })
		out.Phases[i].HWM = medU(func(r *Result) uint64 { return r.Phases[i].HWM })
		out.Phases[i].FirstSeconds = med(func(r *Result) float64 { return r.Phases[i].FirstSeconds })
		out.Phases[i].Procs = slices.Clone(out.Phases[i].Procs)
		for j := range out.Phases[i].Procs {
			out.Phases[i].Procs[j].HWM = medU(func(r *Result) uint64 { return r.Phases[i].Procs[j].HWM })
		}
	}
	out.Latencies = slices.Clone(out.Latencies)
	for i := range out.Latencies {
		out.Latencies[i].P50 = med(func(r *Result) float64 { return r.Latencies[i].P50 })
		out.Latencies[i].P99 = med(func(r *Result) float64 { return r.Latencies[i].P99 })
		out.Latencies[i].Max = med(func(r *Result) float64 { return r.Latencies[i].Max })
	}
	out.VsKStreams = med(func(r *Result) float64 { return r.VsKStreams })
	out.StatePerKey = med(func(r *Result) float64 { return r.StatePerKey })
	out.VsLimit = med(func(r *Result) float64 { return r.VsLimit })
	out.VsGokaMemory = med(func(r *Result) float64 { return r.VsGokaMemory })
	out.VsGokaLevelDB = med(func(r *Result) float64 { return r.VsGokaLevelDB })
	out.LatencyP50 = med(func(r *Result) float64 { return r.LatencyP50 })
	out.LatencyP99 = med(func(r *Result) float64 { return r.LatencyP99 })
	out.LatencyMax = med(func(r *Result) float64 { return r.LatencyMax })
	out.HTTPP50 = med(func(r *Result) float64 { return r.HTTPP50 })
	out.HTTPP99 = med(func(r *Result) float64 { return r.HTTPP99 })
	out.HTTPRPS = med(func(r *Result) float64 { return r.HTTPRPS })
	out.PeakRSS = slices.MaxFunc(runs, func(a, b Result) int { return cmp.Compare(a.PeakRSS, b.PeakRSS) }).PeakRSS
	return out
}

func (r *Result) table(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', tabwriter.AlignRight)
	if len(r.Phases) > 0 {
		fmt.Fprintf(w, "%d %s events over %s, %d services, %d partitions, %d (service, window) keys; filled at %.0f events/s\n",
			r.Count, r.Format, time.Duration(r.SpanSec*float64(time.Second)), r.Services, r.Partitions, r.Keys, r.FillEPS)
		fmt.Fprintln(tw, "phase\tseconds\tevents/s\tfirst visible s\tpeak heap MiB\tpeak RSS MiB\tRSS high-water MiB\t")
		for _, p := range r.Phases {
			first := "-"
			if p.FirstSeconds > 0 {
				first = fmt.Sprintf("%.2f", p.FirstSeconds)
			}
			heap, rss := fmt.Sprintf("%.0f", mib(p.HeapPeak)), fmt.Sprintf("%.0f", mib(p.RSSPeak))
			if p.Procs != nil {
				heap, rss = "-", "-"
			}
			fmt.Fprintf(tw, "%s\t%.2f\t%.0f\t%s\t%s\t%s\t%.0f\t\n", p.Name, p.Seconds, p.EPS, first, heap, rss, mib(p.HWM))
		}
		tw.Flush()
		for _, p := range r.Phases {
			if p.Procs == nil {
				continue
			}
			var each []string
			for _, c := range p.Procs {
				each = append(each, fmt.Sprintf("%s %.0f MiB", c.Name, mib(c.HWM)))
			}
			fmt.Fprintf(w, "%s: peak RSS of its processes %.0f MiB (%s)\n", p.Name, mib(p.HWM), strings.Join(each, ", "))
		}
		if r.StatePerKey > 0 {
			fmt.Fprintf(w, "pipeline state after the logpulse phase: %.0f bytes per (service, window)\n", r.StatePerKey)
		}
		// Only the ratios of phases that ran: a phase left out is not 0.
		var ratios []string
		lp := PhaseLogpulse
		if r.phase(PhaseLogpulse) == nil {
			lp = PhaseStages
		}
		for _, rt := range []struct {
			name string
			v    float64
		}{{"limit", r.VsLimit}, {"goka-memory", r.VsGokaMemory}, {"goka-leveldb", r.VsGokaLevelDB}} {
			if rt.v > 0 {
				ratios = append(ratios, fmt.Sprintf("%s/%s %.2f", lp, rt.name, rt.v))
			}
		}
		if r.VsKStreams > 0 {
			name := PhaseLogpulse
			if r.phase(PhaseStages) != nil {
				name = PhaseStages
			}
			ratios = append(ratios, fmt.Sprintf("%s/kstreams %.2f", name, r.VsKStreams))
		}
		if len(ratios) > 0 {
			fmt.Fprintln(w, strings.Join(ratios, "   "))
		}
	}
	if r.LatencyRate > 0 {
		fmt.Fprintf(w, "produce to visible at %.0f events/s: p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
			r.LatencyRate, r.LatencyP50, r.LatencyP99, r.LatencyMax)
	}
	for _, l := range r.Latencies {
		fmt.Fprintf(w, "%s: produce to visible at %.0f events/s: p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
			l.Name, l.Rate, l.P50, l.P99, l.Max)
	}
	if r.HTTPClients > 0 {
		fmt.Fprintf(w, "GET /v1/levels, %d clients: p50 %.2f ms, p99 %.2f ms, %.0f requests/s\n",
			r.HTTPClients, r.HTTPP50, r.HTTPP99, r.HTTPRPS)
	}
	fmt.Fprintf(w, "peak RSS of the process: %.0f MiB\n", mib(r.PeakRSS))
}

func (r *Result) jsonLine(w io.Writer) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode result: %w", err)
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }
