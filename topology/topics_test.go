package topology_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/logpulse/logpulse/topology"
)

// TestWithPrefix: every name, including ones added to Topics later, gets the
// prefix; a missed one would make two pipelines on a cluster share it.
func TestWithPrefix(t *testing.T) {
	def := topology.DefaultTopics()
	got := def.WithPrefix("team-a.")
	v, d := reflect.ValueOf(got), reflect.ValueOf(def)
	for i := range v.NumField() {
		name := v.Type().Field(i).Name
		if v.Field(i).Kind() != reflect.String {
			continue
		}
		if want := "team-a." + d.Field(i).String(); v.Field(i).String() != want {
			t.Errorf("%s = %q, want %q", name, v.Field(i).String(), want)
		}
	}
	for _, s := range got.Specs(topology.Layout{Partitions: 1, Replication: 1}) {
		if !strings.HasPrefix(s.Name, "team-a.") {
			t.Errorf("topic %s has no prefix", s.Name)
		}
	}
}
