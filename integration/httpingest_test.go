package integration

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestHTTPIngest: POST /v1/logs writes the good lines to `logs` (counted
// exactly like any client's) and reports the bad ones by line number.
func TestHTTPIngest(t *testing.T) {
	n := startRun(t, t.TempDir(), freeAddr(t))
	base := testBase()
	truth := series{}
	var body strings.Builder
	for i := range 300 {
		at := base.Add(time.Duration(i) * 10 * time.Second)
		lvl := []string{"INFO", "ERROR", "WARN"}[i%3]
		fmt.Fprintf(&body, "%d %s request %d\n", at.Unix(), lvl, i)
		truth.add(at.Truncate(time.Minute), lvl, 1)
		if i == 100 {
			body.WriteString("\x00\x01 not a log line\n") // line 102
		}
	}
	resp, err := http.Post("http://"+n.http+"/v1/logs?service=web", "text/plain", strings.NewReader(body.String()))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got struct {
		Accepted int `json:"accepted"`
		Rejected []struct {
			Line  int    `json:"line"`
			Error string `json:"error"`
		} `json:"rejected"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || got.Accepted != 300 || len(got.Rejected) != 1 || got.Rejected[0].Line != 102 {
		t.Fatalf("POST /v1/logs: %d %+v; want 200, 300 accepted, line 102 rejected", resp.StatusCode, got)
	}
	counted := n.settle(base, base.Add(time.Hour), truth.total())
	if diff := cmp.Diff(truth, counted); diff != "" {
		t.Errorf("counts (-posted +reported):\n%s", diff)
	}
	web, err := n.levels(base, base.Add(time.Hour), "web")
	if err != nil {
		t.Fatal(err)
	}
	if web.total() != 300 {
		t.Errorf("service=web counted %d, want 300 (the service query parameter is the key)", web.total())
	}
}
