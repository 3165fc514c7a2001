package topology_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/logpulse/logpulse/internal/embedkafka"
	"github.com/logpulse/logpulse/topology"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

func embeddedAdmin(tb testing.TB) *kadm.Client {
	tb.Helper()
	b, err := embedkafka.Start(embedkafka.Config{Listen: "127.0.0.1:0", Partitions: 1})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(b.Close)
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.Addrs()...), kgo.MetadataMinAge(100*time.Millisecond))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(cl.Close)
	return kadm.NewClient(cl)
}

// describe returns every topic's configs as the broker reports them.
func describe(tb testing.TB, ctx context.Context, adm *kadm.Client, specs []topology.TopicSpec) map[string]map[string]string {
	tb.Helper()
	var names []string
	for _, s := range specs {
		names = append(names, s.Name)
	}
	rcs, err := adm.DescribeTopicConfigs(ctx, names...)
	if err != nil {
		tb.Fatal(err)
	}
	got := make(map[string]map[string]string)
	for _, rc := range rcs {
		if rc.Err != nil {
			tb.Fatalf("describe %s: %v", rc.Name, rc.Err)
		}
		got[rc.Name] = make(map[string]string)
		for _, c := range rc.Configs {
			got[rc.Name][c.Key] = c.MaybeValue()
		}
	}
	return got
}

// TestEmbeddedBrokerTakesSpecs: the embedded broker creates every topic
// with all of Specs' configs and reports them back, so `logpulse run` and
// `topics --check` work on it as on Kafka.
func TestEmbeddedBrokerTakesSpecs(t *testing.T) {
	adm := embeddedAdmin(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	specs := topology.DefaultTopics().Specs(topology.Layout{Partitions: 3, Replication: 1, Retention: 24 * time.Hour})
	if err := topology.Provision(ctx, adm, specs); err != nil {
		t.Fatalf("Provision: %v", err)
	}
	got := describe(t, ctx, adm, specs)
	for _, s := range specs {
		for k, want := range s.Configs {
			if v, ok := got[s.Name][k]; !ok || v != want {
				t.Errorf("topic %s: %s = %q (reported: %v), want %q", s.Name, k, v, ok, want)
			}
		}
	}
	if err := topology.Check(ctx, adm, specs); err != nil {
		t.Errorf("Check after Provision: %v", err)
	}
}

// TestProvisionRetunesOlderTopics: topics an older release created (without
// the segment and cleaner settings) are reported by Check, and Provision
// sets those settings on them, leaving the others as they are.
func TestProvisionRetunesOlderTopics(t *testing.T) {
	adm := embeddedAdmin(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	specs := topology.DefaultTopics().Specs(topology.Layout{Partitions: 2, Replication: 1, Retention: 24 * time.Hour})
	older := map[string]bool{"segment.ms": true, "segment.bytes": true, "max.compaction.lag.ms": true, "min.cleanable.dirty.ratio": true}
	for _, s := range specs {
		cfg := make(map[string]*string)
		for k, v := range s.Configs {
			if !older[k] {
				cfg[k] = &v
			}
		}
		if s.Name == topology.DefaultTopics().Table() {
			// An operator's own retention stays.
			v := "172800000"
			cfg["retention.ms"] = &v
		}
		if _, err := adm.CreateTopic(ctx, s.Partitions, s.Replication, cfg, s.Name); err != nil {
			t.Fatal(err)
		}
	}
	err := topology.Check(ctx, adm, specs)
	table := topology.DefaultTopics().Table()
	for _, want := range []string{
		"topic " + table + " has segment.ms=",
		"topic " + table + " has min.cleanable.dirty.ratio=(unset), want 0.1: run `logpulse topics`",
		"topic " + topology.DefaultTopics().Deltas + " has segment.ms=",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Check on an older release's topics = %v, want it to say %q", err, want)
		}
	}
	if err := topology.Provision(ctx, adm, specs); err != nil {
		t.Fatalf("Provision on an older release's topics: %v", err)
	}
	got := describe(t, ctx, adm, specs)
	for _, s := range specs {
		for k, want := range s.Configs {
			if older[k] && got[s.Name][k] != want {
				t.Errorf("after Provision, topic %s: %s = %q, want %q", s.Name, k, got[s.Name][k], want)
			}
		}
	}
	if v := got[table]["retention.ms"]; v != "172800000" {
		t.Errorf("after Provision, the table's retention.ms = %s, want the operator's 172800000 kept", v)
	}
	if err := topology.Check(ctx, adm, specs); err != nil {
		t.Errorf("Check after Provision: %v", err)
	}
}
