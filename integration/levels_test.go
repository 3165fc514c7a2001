package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"
)

// series is what /v1/levels reports: window start → level → count.
type series map[time.Time]map[string]int64

func (s series) add(t time.Time, level string, n int64) {
	if s[t] == nil {
		s[t] = map[string]int64{}
	}
	s[t][level] += n
}

func (s series) total() int64 {
	var n int64
	for _, m := range s {
		for _, c := range m {
			n += c
		}
	}
	return n
}

type levelsResponse struct {
	Windows []struct {
		Start  time.Time        `json:"start"`
		Counts map[string]int64 `json:"counts"`
		Late   int64            `json:"late"`
		Final  bool             `json:"final"`
	} `json:"windows"`
	Total       int64      `json:"total"`
	Watermark   *time.Time `json:"watermark"`
	WatermarkBy struct {
		Partition       *int32  `json:"partition"`
		Idle            []int32 `json:"idle"`
		NotReported     []int32 `json:"not_reported"`
		TablePartitions string  `json:"table_partitions"`
	} `json:"watermark_by"`
}

// rawLevels queries /v1/levels over [from, to) by minute.
func (n *node) rawLevels(from, to time.Time, service string) (levelsResponse, error) {
	return n.query(fmt.Sprintf("from=%s&to=%s&step=1m&service=%s", from.Format(time.RFC3339), to.Format(time.RFC3339), service))
}

// rawLevelsStep queries /v1/levels over [from, to) with the given step.
func (n *node) rawLevelsStep(from, to time.Time, step string) (levelsResponse, error) {
	return n.query(fmt.Sprintf("from=%s&to=%s&step=%s", from.Format(time.RFC3339), to.Format(time.RFC3339), step))
}

func (n *node) query(params string) (levelsResponse, error) {
	var lr levelsResponse
	url := fmt.Sprintf("http://%s/v1/levels?%s", n.http, params)
	resp, err := http.Get(url)
	if err != nil {
		return lr, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return lr, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	err = json.NewDecoder(resp.Body).Decode(&lr)
	return lr, err
}

// levels is rawLevels as a series.
func (n *node) levels(from, to time.Time, service string) (series, error) {
	lr, err := n.rawLevels(from, to, service)
	if err != nil {
		return nil, err
	}
	s := series{}
	for _, w := range lr.Windows {
		for l, c := range w.Counts {
			s.add(w.Start, l, c)
		}
	}
	return s, nil
}

// settle waits until the pipeline has consumed everything (both groups at
// zero lag) and the view shows want in total, then returns what it shows.
func (n *node) settle(from, to time.Time, want int64) series {
	n.tb.Helper()
	adm := n.admin()
	var got series
	poll(n.tb, 2*time.Minute, fmt.Sprintf("%d events counted with zero lag", want), func() (bool, string) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		lags, err := adm.Lag(ctx, n.topics.IngestGroup, n.topics.AggregateGroup)
		if err != nil {
			return false, err.Error()
		}
		// Every transaction ends in a commit marker that takes an offset
		// but is never delivered, so a consumer of a transactionally
		// written partition (all of deltas; logs written by POST
		// /v1/logs) that has read everything trails the end by one. The
		// exact counts below are what proves nothing is missing.
		var lag int64
		var behind []string // group topic/partition: lag, where one is left
		for _, g := range lags {
			if g.FetchErr != nil || g.DescribeErr != nil {
				return false, fmt.Sprint(g.FetchErr, g.DescribeErr)
			}
			for t, ps := range g.Lag {
				for p, l := range ps {
					lag += max(l.Lag-1, 0)
					if l.Lag > 1 {
						behind = append(behind, fmt.Sprintf("%s %s/%d: %d (committed %d, end %d)", g.Group, t, p, l.Lag, l.Commit.At, l.End.Offset))
					}
				}
			}
		}
		slices.Sort(behind)
		if lag > 0 {
			// Records after the committed offsets may all be markers and
			// aborted records: with two ingest instances the last
			// records of a partition are often followed by both one's
			// commit markers (pending reads them to tell).
			pctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			p, err := pending(pctx, n.brokers, adm, n.topics.IngestGroup, n.topics.AggregateGroup)
			if err != nil {
				return false, err.Error()
			}
			if lagTotal(p) == 0 {
				lag = 0
			}
		}
		got, err = n.levels(from, to, "")
		if err != nil {
			return false, err.Error()
		}
		return lag == 0 && got.total() == want, fmt.Sprintf("lag %d %v, counted %d of %d", lag, behind, got.total(), want)
	})
	return got
}
