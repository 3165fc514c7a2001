package kfake

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestGroupStaticRestartNoRebalance is the test of the logpulse patch to
// replaceStaticMember: a static member that restarts (a new client, empty
// member ID, the same instance ID) while the group is stable takes its
// predecessor's place and assignment at once, in the same generation, even
// though its metadata differs from its predecessor's last join (which, as
// a cooperative client's does, listed the partitions it owned). The other
// member sees no rebalance, and the predecessor is fenced. Upstream
// compared the metadata and started a rebalance: the restarted member's
// join waited for the other member to rejoin.
func TestGroupStaticRestartNoRebalance(t *testing.T) {
	c := churnCluster(t)
	a := newChurnMember(t, c, "a", 2000, 4000)
	a.instance = kmsgStr("instance-a")
	b := newChurnMember(t, c, "b", 2000, 4000)
	b.instance = kmsgStr("instance-b")

	// Static members join with no member ID and get one in the answer.
	ja := a.joinAsync()
	jr := a.await(ja, 5*time.Second, "first join")
	a.id = jr.MemberID
	a.sync(jr, "first sync")

	// b joins; a rejoins listing what it owns, as a cooperative client.
	jb := b.joinAsync()
	waitParked(t, c, "b")
	a.owned = []int32{0}
	ja = a.joinAsync()
	ra := a.await(ja, 5*time.Second, "rejoin for b")
	rb := b.await(jb, 5*time.Second, "join")
	b.id = rb.MemberID
	leader, follower := a, b
	lr := ra
	if ra.LeaderID != a.id {
		leader, follower, lr = b, a, rb
	}
	ls, fs := leader.syncAsync(lr), follower.syncAsync(nil)
	leader.awaitSync(ls, 5*time.Second, "sync with b")
	follower.awaitSync(fs, 5*time.Second, "sync with b")
	gen := a.gen

	// a restarts: a new client, no member ID, nothing owned yet.
	a2 := newChurnMember(t, c, "a2", 2000, 4000)
	a2.instance = a.instance
	r2 := a2.await(a2.joinAsync(), time.Second, "restart")
	if r2.Generation != gen {
		t.Errorf("restarted member joined generation %d, want %d (no rebalance)", r2.Generation, gen)
	}
	a2.id = r2.MemberID
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	sreq := kmsg.NewPtrSyncGroupRequest()
	sreq.Group, sreq.MemberID, sreq.InstanceID, sreq.Generation = churnGroup, a2.id, a2.instance, a2.gen
	sreq.ProtocolType, sreq.Protocol = kmsg.StringPtr("consumer"), kmsg.StringPtr("range")
	sresp, err := sreq.RequestWith(ctx, a2.cl)
	if err != nil || sresp.ErrorCode != 0 {
		t.Fatalf("restarted member's sync: %v %v", err, kerr.ErrorForCode(sresp.ErrorCode))
	}
	if !bytes.Equal(sresp.MemberAssignment, churnAssignment(a.id)) {
		t.Error("restarted member did not get its predecessor's assignment")
	}
	if code := b.heartbeat(); code != 0 {
		t.Errorf("the other member's heartbeat: %v, want no error (no rebalance)", kerr.ErrorForCode(code))
	}
	if code := a.heartbeat(); code != kerr.FencedInstanceID.Code {
		t.Errorf("the predecessor's heartbeat: %v, want FENCED_INSTANCE_ID", kerr.ErrorForCode(code))
	}
}

func kmsgStr(s string) *string { return &s }
