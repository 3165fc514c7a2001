package topology

import (
	"github.com/logpulse/logpulse/codecs"
	"github.com/logpulse/logpulse/processors"
	"github.com/lovoo/goka"
)

// AggregateGraph is the aggregate stage: deltas in, one table value per
// (service, window) out. Ingest (a franz-go transactional consumer, see
// internal/pipeline) sits before it and writes the deltas; views read the
// table it persists.
//
//	logs ─[ingest]→ deltas ─[aggregate]→ table ─[view]→ HTTP
func AggregateGraph(t Topics, agg processors.Aggregator) *goka.GroupGraph {
	return goka.DefineGroup(goka.Group(t.AggregateGroup),
		goka.Input(goka.Stream(t.Deltas), codecs.DeltaCodec{}, agg.Process),
		goka.Persist(codecs.AggregateCodec{}),
	)
}
