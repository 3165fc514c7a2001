package alerts

import (
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/logpulse/logpulse/codecs"
	"gopkg.in/yaml.v3"
)

// ruleFields and spikeFields are the keys a rules file may use; anything
// else is an error, so a typo ("treshold") does not silently drop a
// condition.
func ruleFields() []string {
	return []string{"name", "levels", "service", "over", "for", "count", "ratio", "min_events", "spike"}
}

func spikeFields() []string { return []string{"z", "lookback", "min_count"} }

// LoadRules reads a rules file (YAML or JSON) and parses it with ParseRules.
func LoadRules(path string, window time.Duration) ([]Rule, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read rules file: %w", err)
	}
	rules, err := ParseRules(data, window)
	if err != nil {
		return nil, fmt.Errorf("rules file %s: %w", path, err)
	}
	return rules, nil
}

// ParseRules parses a rules document, YAML or JSON (JSON is YAML), and
// validates it against the window size:
//
//	rules:
//	  - name: checkout-errors      # unique; part of alert IDs
//	    levels: [ERROR, FATAL]     # default [ERROR, FATAL]
//	    service: checkout          # default: every service separately
//	    over: 5m                   # a multiple of the window; default one window
//	    for: 2                     # windows the condition must hold; default 1
//	    ratio: 5%                  # or 0.05; or count: N; or spike: {...}
//	    min_events: 50             # ratio only; default 20
//	  - name: error-spike
//	    spike: {z: 3, lookback: 30, min_count: 10}   # these are the defaults
//
// Unknown fields are errors naming the field and the rule. An empty rules
// list is valid and means no alerts.
func ParseRules(data []byte, window time.Duration) ([]Rule, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("parse rules: %w", err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, errors.New("empty rules document: want a \"rules:\" list")
	}
	top := doc.Content[0]
	if top.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("line %d: want a mapping with a \"rules:\" list", top.Line)
	}
	var list *yaml.Node
	for i := 0; i+1 < len(top.Content); i += 2 {
		k := top.Content[i]
		if k.Value != "rules" {
			return nil, fmt.Errorf("line %d: unknown field %q (the document has only \"rules\")", k.Line, k.Value)
		}
		if list != nil {
			return nil, fmt.Errorf("line %d: \"rules\" is set twice", k.Line)
		}
		list = top.Content[i+1]
	}
	if list == nil {
		return nil, errors.New("no \"rules:\" list")
	}
	if list.Tag == "!!null" {
		return nil, nil
	}
	if list.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("line %d: rules must be a list", list.Line)
	}
	rules := make([]Rule, 0, len(list.Content))
	for i, n := range list.Content {
		r, err := parseRule(n)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", ruleLabel(n, i), err)
		}
		rules = append(rules, r)
	}
	return prepare(rules, window)
}

// ruleLabel names rule i for an error: by its name when it has one.
func ruleLabel(n *yaml.Node, i int) string {
	if n.Kind == yaml.MappingNode {
		for j := 0; j+1 < len(n.Content); j += 2 {
			if n.Content[j].Value == "name" && n.Content[j+1].Kind == yaml.ScalarNode {
				return fmt.Sprintf("rule %q (line %d)", n.Content[j+1].Value, n.Line)
			}
		}
	}
	return fmt.Sprintf("rule #%d (line %d)", i+1, n.Line)
}

// fields checks a mapping's keys against known and returns the values by key.
func fields(n *yaml.Node, known []string) (map[string]*yaml.Node, error) {
	if n.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("line %d: want a mapping of fields", n.Line)
	}
	out := make(map[string]*yaml.Node, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !slices.Contains(known, k.Value) {
			return nil, fmt.Errorf("line %d: unknown field %q (known: %s)", k.Line, k.Value, strings.Join(known, ", "))
		}
		if out[k.Value] != nil {
			return nil, fmt.Errorf("line %d: field %q is set twice", k.Line, k.Value)
		}
		if v.Tag == "!!null" {
			return nil, fmt.Errorf("line %d: field %q has no value", k.Line, k.Value)
		}
		out[k.Value] = v
	}
	return out, nil
}

func parseRule(n *yaml.Node) (Rule, error) {
	f, err := fields(n, ruleFields())
	if err != nil {
		return Rule{}, err
	}
	var r Rule
	if v := f["name"]; v != nil {
		if r.Name, err = scalar(v, "name"); err != nil {
			return r, err
		}
	}
	if v := f["service"]; v != nil {
		if r.Service, err = scalar(v, "service"); err != nil {
			return r, err
		}
	}
	if v := f["levels"]; v != nil {
		if r.Levels, err = levels(v); err != nil {
			return r, err
		}
	}
	if v := f["over"]; v != nil {
		if r.Over, err = duration(v, "over"); err != nil {
			return r, err
		}
		if r.Over == 0 {
			return r, fmt.Errorf("line %d: over must be positive (leave it out for one window)", v.Line)
		}
	}
	if v := f["for"]; v != nil {
		k, err := integer(v, "for")
		if err != nil {
			return r, err
		}
		if k < 1 || k > maxFor {
			return r, fmt.Errorf("line %d: for %d: want 1 to %d windows", v.Line, k, maxFor)
		}
		r.For = int(k)
	}
	if v := f["count"]; v != nil {
		k, err := integer(v, "count")
		if err != nil {
			return r, err
		}
		r.Count = &k
	}
	if v := f["ratio"]; v != nil {
		x, err := ratio(v)
		if err != nil {
			return r, err
		}
		r.Ratio = &x
		r.MinEvents = DefaultMinEvents
	}
	if v := f["min_events"]; v != nil {
		if r.MinEvents, err = integer(v, "min_events"); err != nil {
			return r, err
		}
		if r.Ratio == nil {
			return r, fmt.Errorf("line %d: min_events applies to ratio rules only", v.Line)
		}
	}
	if v := f["spike"]; v != nil {
		if r.Spike, err = spike(v); err != nil {
			return r, err
		}
	}
	return r, nil
}

func spike(n *yaml.Node) (*Spike, error) {
	f, err := fields(n, spikeFields())
	if err != nil {
		return nil, fmt.Errorf("spike: %w", err)
	}
	s := &Spike{Z: DefaultSpikeZ, Lookback: DefaultSpikeLookback, MinCount: DefaultSpikeMinCount}
	if v := f["z"]; v != nil {
		if s.Z, err = number(v, "spike z"); err != nil {
			return nil, err
		}
	}
	if v := f["lookback"]; v != nil {
		k, err := integer(v, "spike lookback")
		if err != nil {
			return nil, err
		}
		if k < 2 || k > maxHistory {
			return nil, fmt.Errorf("line %d: spike lookback %d: want 2 to %d windows", v.Line, k, maxHistory)
		}
		s.Lookback = int(k)
	}
	if v := f["min_count"]; v != nil {
		if s.MinCount, err = integer(v, "spike min_count"); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func scalar(n *yaml.Node, field string) (string, error) {
	if n.Kind != yaml.ScalarNode {
		return "", fmt.Errorf("line %d: %s must be a single value", n.Line, field)
	}
	return n.Value, nil
}

func integer(n *yaml.Node, field string) (int64, error) {
	s, err := scalar(n, field)
	if err != nil {
		return 0, err
	}
	k, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("line %d: %s %q: want a whole number", n.Line, field, s)
	}
	return k, nil
}

func number(n *yaml.Node, field string) (float64, error) {
	s, err := scalar(n, field)
	if err != nil {
		return 0, err
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, fmt.Errorf("line %d: %s %q: want a number", n.Line, field, s)
	}
	return x, nil
}

func duration(n *yaml.Node, field string) (time.Duration, error) {
	s, err := scalar(n, field)
	if err != nil {
		return 0, err
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("line %d: %s %q: want a duration such as 5m or 90s", n.Line, field, s)
	}
	return d, nil
}

// ratio reads 0.05 or "5%".
func ratio(n *yaml.Node) (float64, error) {
	s, err := scalar(n, "ratio")
	if err != nil {
		return 0, err
	}
	pct := strings.HasSuffix(s, "%")
	x, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(s, "%")), 64)
	if err != nil || math.IsNaN(x) {
		return 0, fmt.Errorf("line %d: ratio %q: want a fraction such as 0.05 or a percentage such as 5%%", n.Line, s)
	}
	if pct {
		x /= 100
	}
	return x, nil
}

// levels reads a list of canonical level names, or one name.
func levels(n *yaml.Node) ([]codecs.Level, error) {
	items := []*yaml.Node{n}
	if n.Kind == yaml.SequenceNode {
		items = n.Content
		if len(items) == 0 {
			return nil, fmt.Errorf("line %d: levels is empty (leave it out for ERROR and FATAL)", n.Line)
		}
	}
	out := make([]codecs.Level, 0, len(items))
	for _, it := range items {
		s, err := scalar(it, "a level")
		if err != nil {
			return nil, err
		}
		l, ok := codecs.LevelByName(s)
		if !ok {
			return nil, fmt.Errorf("line %d: unknown level %q (want TRACE, DEBUG, INFO, WARN, ERROR, FATAL or UNKNOWN)", it.Line, s)
		}
		out = append(out, l)
	}
	return out, nil
}
