package topology

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
)

// Provision creates every missing topic of specs, sets the segment and
// cleaner settings of the existing ones to their spec's (see tuned), and
// checks them: a partition count other than wanted (for the deltas topic and
// the table) or a wrong cleanup policy is an error that says how to fix it.
// The input topic may have any partition count: users own it.
func Provision(ctx context.Context, adm *kadm.Client, specs []TopicSpec, flexible ...string) error {
	// All topics, not the wanted ones by name: asking for a missing topic
	// makes the client retry its metadata request for seconds.
	existing, err := adm.ListTopics(ctx)
	if err != nil {
		return fmt.Errorf("list topics: %w", err)
	}
	var errs []error
	for _, s := range specs {
		if d, ok := existing[s.Name]; ok && d.Err == nil {
			continue
		}
		cfg := make(map[string]*string, len(s.Configs))
		for k, v := range s.Configs {
			cfg[k] = &v
		}
		resp, err := adm.CreateTopic(ctx, s.Partitions, s.Replication, cfg, s.Name)
		if err == nil {
			err = resp.Err
		}
		if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
			errs = append(errs, fmt.Errorf("create topic %s: %w", s.Name, err))
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	// New topics may take a moment to show up with leaders: poll while any
	// is missing, then check them once (a wrong partition count or policy
	// will not fix itself).
	for {
		missing, err := missingTopics(ctx, adm, specs)
		if err == nil && len(missing) == 0 {
			if err := retune(ctx, adm, specs); err != nil {
				return err
			}
			return Check(ctx, adm, specs, flexible...)
		}
		select {
		case <-ctx.Done():
			if err == nil {
				err = fmt.Errorf("topics not ready after creation: %v", missing)
			}
			return err
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func missingTopics(ctx context.Context, adm *kadm.Client, specs []TopicSpec) ([]string, error) {
	details, err := adm.ListTopics(ctx)
	if err != nil {
		return nil, fmt.Errorf("list topics: %w", err)
	}
	var missing []string
	for _, s := range specs {
		if d, ok := details[s.Name]; !ok || d.Err != nil || len(d.Partitions) == 0 {
			missing = append(missing, s.Name)
		}
	}
	return missing, nil
}

// Check verifies that every topic of specs exists with its partition count
// (except the flexible ones) and cleanup policy, and with the segment and
// cleaner settings of its spec (see tuned), which Provision sets.
func Check(ctx context.Context, adm *kadm.Client, specs []TopicSpec, flexible ...string) error {
	details, err := adm.ListTopics(ctx)
	if err != nil {
		return fmt.Errorf("list topics: %w", err)
	}
	configs, err := adm.DescribeTopicConfigs(ctx, specNames(specs)...)
	if err != nil {
		return fmt.Errorf("describe topic configs: %w", err)
	}
	var errs []error
	for _, s := range specs {
		d, ok := details[s.Name]
		if !ok || d.Err != nil {
			errs = append(errs, fmt.Errorf("topic %s is missing: run `logpulse topics` to create it", s.Name))
			continue
		}
		if n := int32(len(d.Partitions)); n != s.Partitions && !slices.Contains(flexible, s.Name) {
			errs = append(errs, fmt.Errorf("topic %s has %d partitions, want %d: set --partitions %d or recreate the topic", s.Name, n, s.Partitions, n))
		}
		have, ok := described(configs, s.Name)
		if !ok {
			continue // a broker that cannot describe configs is not a reason to stop
		}
		if got, ok := have["cleanup.policy"]; ok && s.Configs["cleanup.policy"] != "" && normPolicy(got) != normPolicy(s.Configs["cleanup.policy"]) {
			errs = append(errs, fmt.Errorf("topic %s has cleanup.policy=%s, want %s", s.Name, got, s.Configs["cleanup.policy"]))
		}
		for _, k := range stale(s, have) {
			errs = append(errs, fmt.Errorf("topic %s has %s=%s, want %s: run `logpulse topics` to set it", s.Name, k, orUnset(have, k), s.Configs[k]))
		}
	}
	return errors.Join(errs...)
}

// retune sets the tuned configs of existing topics that differ from their
// spec: topics an older release created have the broker's defaults there.
func retune(ctx context.Context, adm *kadm.Client, specs []TopicSpec) error {
	configs, err := adm.DescribeTopicConfigs(ctx, specNames(specs)...)
	if err != nil {
		return fmt.Errorf("describe topic configs: %w", err)
	}
	var errs []error
	for _, s := range specs {
		have, ok := described(configs, s.Name)
		if !ok {
			continue // as in Check
		}
		keys := stale(s, have)
		if len(keys) == 0 {
			continue
		}
		set := make([]kadm.AlterConfig, len(keys))
		for i, k := range keys {
			v := s.Configs[k]
			set[i] = kadm.AlterConfig{Op: kadm.SetConfig, Name: k, Value: &v}
		}
		resps, err := adm.AlterTopicConfigs(ctx, set, s.Name)
		for _, r := range resps {
			if err == nil && r.Err != nil {
				err = r.Err
				if r.ErrMessage != "" {
					err = fmt.Errorf("%w: %s", r.Err, r.ErrMessage)
				}
			}
		}
		switch {
		case errors.Is(err, kerr.TopicAuthorizationFailed):
			errs = append(errs, fmt.Errorf("set %s on topic %s: grant ALTER_CONFIGS on it once, or set them with kafka-configs.sh: %w", strings.Join(keys, ", "), s.Name, err))
		case err != nil:
			errs = append(errs, fmt.Errorf("set %s on topic %s: %w", strings.Join(keys, ", "), s.Name, err))
		}
	}
	return errors.Join(errs...)
}

// stale lists the tuned configs of s whose value differs in have, sorted.
func stale(s TopicSpec, have map[string]string) []string {
	var keys []string
	for k, want := range s.Configs {
		if got, ok := have[k]; tuned(k) && (!ok || !sameValue(got, want)) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// described returns the configs the broker reported for topic; false when
// it could not describe them.
func described(configs kadm.ResourceConfigs, topic string) (map[string]string, bool) {
	rc, err := configs.On(topic, nil)
	if err != nil || rc.Err != nil {
		return nil, false
	}
	have := make(map[string]string, len(rc.Configs))
	for _, c := range rc.Configs {
		have[c.Key] = c.MaybeValue()
	}
	return have, true
}

// sameValue compares config values as Kafka does after parsing them:
// "0.10" and "0.1" are one ratio.
func sameValue(a, b string) bool {
	if a == b {
		return true
	}
	x, errX := strconv.ParseFloat(a, 64)
	y, errY := strconv.ParseFloat(b, 64)
	return errX == nil && errY == nil && x == y
}

func orUnset(have map[string]string, k string) string {
	if v, ok := have[k]; ok {
		return v
	}
	return "(unset)"
}

func specNames(specs []TopicSpec) []string {
	names := make([]string, len(specs))
	for i, s := range specs {
		names[i] = s.Name
	}
	return names
}

func normPolicy(p string) string {
	parts := strings.Split(strings.ReplaceAll(p, " ", ""), ",")
	if len(parts) == 2 && parts[0] > parts[1] {
		parts[0], parts[1] = parts[1], parts[0]
	}
	return strings.Join(parts, ",")
}

// Partitions returns the partition count of topic, with an error that says
// how to create it when it is missing.
func Partitions(ctx context.Context, adm *kadm.Client, topic string) (int32, error) {
	td, err := adm.ListTopics(ctx, topic)
	if err != nil {
		return 0, fmt.Errorf("describe topic %s: %w", topic, err)
	}
	d, ok := td[topic]
	if !ok || d.Err != nil || len(d.Partitions) == 0 {
		return 0, fmt.Errorf("topic %s is missing: run `logpulse topics --brokers ...` to create it", topic)
	}
	return int32(len(d.Partitions)), nil
}

// AutoCreatesTopics reports whether a broker creates the topics a client
// asks for (auto.create.topics.enable, Kafka's default): then a producer that
// writes to logs, or a consumer that asks for a table, before `logpulse
// topics` ran gets a topic with the broker's defaults rather than logpulse's
// partitions and cleanup policy.
//
// It asks each broker by its ID: Kafka answers a request for no broker
// with the cluster's dynamic defaults only, without the static config
// where this setting usually is.
func AutoCreatesTopics(ctx context.Context, adm *kadm.Client) (bool, error) {
	brokers, err := adm.ListBrokers(ctx)
	if err != nil {
		return false, fmt.Errorf("list brokers: %w", err)
	}
	rcs, err := adm.DescribeBrokerConfigs(ctx, brokers.NodeIDs()...)
	if err != nil {
		return false, fmt.Errorf("describe broker configs: %w", err)
	}
	for _, rc := range rcs {
		if rc.Err != nil {
			continue
		}
		for _, c := range rc.Configs {
			if c.Key == "auto.create.topics.enable" && c.MaybeValue() == "true" {
				return true, nil
			}
		}
	}
	return false, nil
}
