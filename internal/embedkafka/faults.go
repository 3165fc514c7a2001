package embedkafka

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Fault injection: the failures a real cluster shows under load, a leader
// election or a network fault, on demand, so tests (and an operator trying a
// client against the embedded broker) can check that clients ride them out.
// Nothing here is persisted: a restarted broker has no faults and one node.

// Fault fails requests of one kind with Err in place of the real answer.
// Topic, Group and TxnID narrow it down: "" matches every value, and a
// selector a request does not carry never matches (a fault with a Topic does
// not fail a heartbeat).
//
// The broker rejects a faulted request without acting on it, except for the
// errors a real broker can answer after doing the work: REQUEST_TIMED_OUT on
// Produce, OffsetCommit, TxnOffsetCommit (and a few admin requests), and
// NOT_ENOUGH_REPLICAS_AFTER_APPEND on Produce. Those are applied and then
// answered with the error, so the client's retry must be deduplicated
// (idempotent producer) or harmless (a commit of the same offset).
type Fault struct {
	Request kmsg.Key    // the request kind to fail (the zero value is kmsg.Produce)
	Topic   string      // "" means every topic
	Group   string      // "" means every group
	TxnID   string      // "" means every transactional ID
	Err     *kerr.Error // nil means UNKNOWN_SERVER_ERROR
	// Count is how many requests to fail: 0 means one, -1 means every
	// matching request until Remove. A request with several matching
	// partitions counts once and has all of them failed.
	Count int
}

// Injection is a fault or connection drop in place; Hits and Wait tell
// whether it has fired yet.
type Injection struct {
	fault *kfake.FaultHandle // a Fail; nil for a DropConnections

	mu      sync.Mutex
	hits    int
	changed chan struct{} // closed and replaced on every hit
	removed bool
}

// Hits is the number of requests the injection has answered so far.
func (in *Injection) Hits() int {
	if in.fault != nil {
		return in.fault.Hits()
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.hits
}

// Wait blocks until the injection has answered at least n requests or ctx is
// done, returning ctx's error in that case.
func (in *Injection) Wait(ctx context.Context, n int) error {
	if in.fault != nil {
		return in.fault.Wait(ctx, n)
	}
	for {
		in.mu.Lock()
		hits, changed := in.hits, in.changed
		in.mu.Unlock()
		if hits >= n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Remove stops the injection; requests are answered normally from then on.
// An injection whose Count ran out is removed already.
func (in *Injection) Remove() {
	if in.fault != nil {
		in.fault.Remove()
		return
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	in.removed = true
}

// Fail installs f. Faults are checked in the order installed and the first
// that matches a request answers it.
func (b *Broker) Fail(f Fault) *Injection {
	return &Injection{fault: b.c.Fault(kfake.Fault{
		Keys:  []kmsg.Key{f.Request},
		Topic: f.Topic, Group: f.Group, TxnID: f.TxnID,
		Err: f.Err, Count: f.Count,
	})}
}

// errDropped closes the connection of a request DropConnections takes.
var errDropped = errors.New("embedkafka: connection dropped by fault injection")

// DropConnections closes the connection each of the next n requests of kind
// key arrives on, without answering it, as a network fault or a broker
// losing a connection would: the client sees an EOF and must reconnect and
// retry. n = 0 drops one, n = -1 every such connection until Remove.
func (b *Broker) DropConnections(key kmsg.Key, n int) *Injection {
	in := &Injection{changed: make(chan struct{})}
	left := n
	if left == 0 {
		left = 1
	}
	b.c.ControlKey(int16(key), func(kmsg.Request) (kmsg.Response, error, bool) {
		// Controls run one at a time on the broker's loop; in.mu guards
		// against Hits, Wait and Remove.
		in.mu.Lock()
		defer in.mu.Unlock()
		if in.removed || left == 0 {
			b.c.DropControl()
			return nil, nil, false
		}
		if left > 0 {
			left--
		}
		if left != 0 {
			b.c.KeepControl()
		}
		in.hits++
		close(in.changed)
		in.changed = make(chan struct{})
		return nil, errDropped, true
	})
	return in
}

// ShuffleLeaders elects a new leader for every partition, as after a broker
// failure: each partition gets a random node as leader and a new leader
// epoch, so clients are answered NOT_LEADER_OR_FOLLOWER or FENCED_LEADER_EPOCH
// and must refresh their metadata. With one node the leader stays where it is
// but the epochs still move; AddNode first to make leaders change node.
func (b *Broker) ShuffleLeaders() { b.c.ShufflePartitionLeaders() }

// RehashCoordinators moves every group and transaction coordinator, as when a
// coordinator's broker fails over: requests to the old coordinator are
// answered NOT_COORDINATOR until the client finds the new one. Group
// membership, offsets and open transactions are kept. With one node there is
// nowhere to move to; AddNode first.
func (b *Broker) RehashCoordinators() { b.c.RehashCoordinators() }

// AddNode adds a broker node listening on a free port of the same host and
// returns its address. Adding a node also reassigns partition leaders at
// random, as ShuffleLeaders does. Added nodes are not persisted: a restarted
// broker is one node again.
func (b *Broker) AddNode() (string, error) {
	_, port, err := b.c.AddNode(-1, 0)
	if err != nil {
		return "", fmt.Errorf("add broker node: %w", err)
	}
	host, _, _ := net.SplitHostPort(b.Addrs()[0])
	return net.JoinHostPort(host, strconv.Itoa(port)), nil
}
