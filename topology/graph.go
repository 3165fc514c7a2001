package topology

import (
	"github.com/logpulse/logpulse/internal/table"
	"github.com/logpulse/logpulse/processors"
	"github.com/lovoo/goka"
)

// AggregateGraph is the aggregate stage: deltas in, one table value per
// (service, window) out. Ingest (a franz-go transactional consumer, see
// internal/stage) sits before it and writes the deltas; views read the
// table it persists. A delta of a service past the cap of its window goes
// round the loop topic to its partition's overflow key (see
// processors.ServiceCap).
//
//	logs ─[ingest]→ deltas ─[aggregate]→ table ─[view]→ HTTP
//	                            ↑   ↓ past the cap
//	                            loop
func AggregateGraph(t Topics, agg processors.Aggregator) *goka.GroupGraph {
	return goka.DefineGroup(goka.Group(t.AggregateGroup),
		goka.Input(goka.Stream(t.Deltas), table.DeltaCodec{}, agg.Process),
		goka.Loop(table.DeltaCodec{}, agg.Overflow),
		goka.Persist(table.ValueCodec{}),
	)
}
