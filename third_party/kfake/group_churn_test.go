package kfake

import (
	"bytes"
	"context"
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// The tests of the logpulse patch to the classic group coordinator
// (groups.go, client_conn.go): rebalances finish under churn. Each member
// is its own kgo client, so it has its own connections, and speaks raw
// JoinGroup / SyncGroup / Heartbeat / LeaveGroup as goka's sarama does.
// Session and rebalance timeouts are short, so the cluster's minimum
// session timeout is lowered.

const churnGroup = "g"

func churnCluster(t *testing.T) *Cluster {
	t.Helper()
	c, err := NewCluster(NumBrokers(1), GroupMinSessionTimeout(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

type churnMember struct {
	t       *testing.T
	c       *Cluster
	name    string // client ID
	cl      *kgo.Client
	sessMs  int32
	rebalMs int32
	id      string
	gen     int32
	// instance makes it a static member; owned are the partitions its
	// metadata says it owns (cooperative clients send them).
	instance *string
	owned    []int32
}

func newChurnMember(t *testing.T, c *Cluster, name string, sessMs, rebalMs int32) *churnMember {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.ClientID(name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return &churnMember{t: t, c: c, name: name, cl: cl, sessMs: sessMs, rebalMs: rebalMs}
}

func (m *churnMember) joinReq() *kmsg.JoinGroupRequest {
	req := kmsg.NewPtrJoinGroupRequest()
	req.Group = churnGroup
	req.MemberID = m.id
	req.InstanceID = m.instance
	req.SessionTimeoutMillis = m.sessMs
	req.RebalanceTimeoutMillis = m.rebalMs
	req.ProtocolType = "consumer"
	meta := kmsg.NewConsumerMemberMetadata()
	meta.Topics = []string{"t"}
	if m.owned != nil {
		meta.Version = 1
		o := kmsg.NewConsumerMemberMetadataOwnedPartition()
		o.Topic, o.Partitions = "t", m.owned
		meta.OwnedPartitions = append(meta.OwnedPartitions, o)
	}
	p := kmsg.NewJoinGroupRequestProtocol()
	p.Name = "range"
	p.Metadata = meta.AppendTo(nil)
	req.Protocols = append(req.Protocols, p)
	return req
}

// register gets the member its ID: a new member's first JoinGroup (v4+) is
// answered at once with MEMBER_ID_REQUIRED, and its second one joins.
func (m *churnMember) register() {
	m.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := m.joinReq().RequestWith(ctx, m.cl)
	if err != nil {
		m.t.Fatalf("%s: register: %v", m.name, err)
	}
	if resp.ErrorCode != kerr.MemberIDRequired.Code {
		m.t.Fatalf("%s: register: %v, want MEMBER_ID_REQUIRED", m.name, kerr.ErrorForCode(resp.ErrorCode))
	}
	m.id = resp.MemberID
}

type joinResult struct {
	resp *kmsg.JoinGroupResponse
	err  error
}

// joinAsync sends a JoinGroup (the member must be registered) and returns
// where its answer arrives. The request is sent without a deadline of its
// own: the test decides how long to wait in await.
func (m *churnMember) joinAsync() <-chan joinResult {
	req := m.joinReq()
	ch := make(chan joinResult, 1)
	go func() {
		resp, err := req.RequestWith(context.Background(), m.cl)
		ch <- joinResult{resp, err}
	}()
	return ch
}

// await waits up to d for a join's answer, and requires a successful one.
func (m *churnMember) await(ch <-chan joinResult, d time.Duration, what string) *kmsg.JoinGroupResponse {
	m.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	select {
	case <-ctx.Done():
		m.t.Fatalf("%s: %s: JoinGroup not answered within %v", m.name, what, d)
	case r := <-ch:
		if r.err != nil {
			m.t.Fatalf("%s: %s: JoinGroup: %v", m.name, what, r.err)
		}
		if r.resp.ErrorCode != 0 {
			m.t.Fatalf("%s: %s: JoinGroup: %v", m.name, what, kerr.ErrorForCode(r.resp.ErrorCode))
		}
		m.gen = r.resp.Generation
		return r.resp
	}
	return nil
}

// join joins and waits for the answer; for a group it completes at once.
func (m *churnMember) join(what string) *kmsg.JoinGroupResponse {
	m.t.Helper()
	if m.id == "" {
		m.register()
	}
	return m.await(m.joinAsync(), 5*time.Second, what)
}

func churnAssignment(memberID string) []byte {
	a := kmsg.NewConsumerMemberAssignment()
	a.UserData = []byte(memberID)
	return a.AppendTo(nil)
}

type syncResult struct {
	resp *kmsg.SyncGroupResponse
	err  error
}

// syncAsync sends a SyncGroup for the member's generation; jr is set for
// the leader, which assigns each member its own ID as user data.
func (m *churnMember) syncAsync(jr *kmsg.JoinGroupResponse) <-chan syncResult {
	req := kmsg.NewPtrSyncGroupRequest()
	req.Group = churnGroup
	req.MemberID = m.id
	req.Generation = m.gen
	req.ProtocolType = kmsg.StringPtr("consumer")
	req.Protocol = kmsg.StringPtr("range")
	if jr != nil {
		for _, jm := range jr.Members {
			a := kmsg.NewSyncGroupRequestGroupAssignment()
			a.MemberID = jm.MemberID
			a.MemberAssignment = churnAssignment(jm.MemberID)
			req.GroupAssignment = append(req.GroupAssignment, a)
		}
	}
	ch := make(chan syncResult, 1)
	go func() {
		resp, err := req.RequestWith(context.Background(), m.cl)
		ch <- syncResult{resp, err}
	}()
	return ch
}

// awaitSync waits up to d for a sync's answer and requires the member's
// own assignment in it.
func (m *churnMember) awaitSync(ch <-chan syncResult, d time.Duration, what string) {
	m.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	select {
	case <-ctx.Done():
		m.t.Fatalf("%s: %s: SyncGroup not answered within %v", m.name, what, d)
	case r := <-ch:
		if r.err != nil {
			m.t.Fatalf("%s: %s: SyncGroup: %v", m.name, what, r.err)
		}
		if r.resp.ErrorCode != 0 {
			m.t.Fatalf("%s: %s: SyncGroup: %v", m.name, what, kerr.ErrorForCode(r.resp.ErrorCode))
		}
		if !bytes.Equal(r.resp.MemberAssignment, churnAssignment(m.id)) {
			m.t.Fatalf("%s: %s: SyncGroup gave another member's assignment", m.name, what)
		}
	}
}

func (m *churnMember) sync(jr *kmsg.JoinGroupResponse, what string) {
	m.t.Helper()
	m.awaitSync(m.syncAsync(jr), 5*time.Second, what)
}

func (m *churnMember) heartbeat() int16 {
	m.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req := kmsg.NewPtrHeartbeatRequest()
	req.Group = churnGroup
	req.MemberID = m.id
	req.InstanceID = m.instance
	req.Generation = m.gen
	resp, err := req.RequestWith(ctx, m.cl)
	if err != nil {
		m.t.Fatalf("%s: heartbeat: %v", m.name, err)
	}
	return resp.ErrorCode
}

// waitParked waits until the member with client ID name is in the group
// with a JoinGroup or SyncGroup waiting for its answer.
func waitParked(t *testing.T, c *Cluster, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		var parked bool
		c.admin(func() {
			if g := c.groups.gs[churnGroup]; g != nil {
				for _, m := range g.members {
					parked = parked || m.clientID == name && !m.waitingReply.empty()
				}
			}
		})
		if parked {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s never waited in the group", name)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// describeGroup returns the group's state and its members' client IDs.
func describeGroup(t *testing.T, cl *kgo.Client) (string, []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req := kmsg.NewPtrDescribeGroupsRequest()
	req.Groups = []string{churnGroup}
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range resp.Groups[0].Members {
		names = append(names, m.ClientID)
	}
	slices.Sort(names)
	return resp.Groups[0].State, names
}

// stableLeader makes m the group's only member and its leader.
func stableLeader(m *churnMember) {
	m.t.Helper()
	jr := m.join("first join")
	if jr.LeaderID != m.id {
		m.t.Fatalf("%s: alone in the group but not its leader", m.name)
	}
	m.sync(jr, "first sync")
}

// TestGroupParkedJoinOutlivesSession: a member waiting in JoinGroup or in
// SyncGroup longer than its session timeout stays in the group and gets its
// answer (upstream: its session timer removed it and dropped the parked
// request without a reply, so the client waited out its read timeout).
func TestGroupParkedJoinOutlivesSession(t *testing.T) {
	t.Run("join", func(t *testing.T) {
		t.Parallel()
		c := churnCluster(t)
		a := newChurnMember(t, c, "a", 2000, 5000)
		b := newChurnMember(t, c, "b", 30000, 5000)
		stableLeader(a)
		b.register()
		bj := b.joinAsync()
		waitParked(t, c, "b")
		ja := a.joinAsync()
		a.sync(a.await(ja, 5*time.Second, "join with b"), "sync with b")
		b.sync(b.await(bj, 5*time.Second, "join with a"), "sync with a")

		// The leader rejoins; b does not, so the rebalance stays open
		// for its whole 5 s timeout, longer than a's 2 s session.
		start := time.Now()
		jr := a.await(a.joinAsync(), 8*time.Second, "rejoin outliving its session")
		if el := time.Since(start); el < 3*time.Second {
			t.Fatalf("the rebalance completed after %v, before a's session timeout ran out", el)
		}
		if jr.LeaderID != a.id || len(jr.Members) != 1 {
			t.Fatalf("a: leader %q with %d members, want a alone", jr.LeaderID, len(jr.Members))
		}
		a.sync(jr, "sync after the rebalance timeout")
	})
	t.Run("sync", func(t *testing.T) {
		t.Parallel()
		c := churnCluster(t)
		a := newChurnMember(t, c, "a", 30000, 5000)
		b := newChurnMember(t, c, "b", 2000, 5000)
		stableLeader(a)
		b.register()
		bj := b.joinAsync()
		waitParked(t, c, "b")
		ja := a.joinAsync()
		jr := a.await(ja, 5*time.Second, "join with b")
		b.await(bj, 5*time.Second, "join with a")

		bs := b.syncAsync(nil)
		waitParked(t, c, "b")
		// The leader is slow to assign: time must pass for b's 2 s
		// session to run out while b waits in SyncGroup. The pending
		// sync deadline is the 5 s rebalance timeout.
		time.Sleep(3 * time.Second)
		a.sync(jr, "sync after b's session timeout")
		b.awaitSync(bs, 2*time.Second, "sync outliving its session")
	})
}

// TestGroupDeadReplyArmsSession: a member whose JoinGroup answer cannot be
// delivered is removed one session timeout after it (upstream: the failed
// send armed no session timer, and the member, which had had none since it
// joined, stayed in the stable group until a later rebalance's deadline).
func TestGroupDeadReplyArmsSession(t *testing.T) {
	c := churnCluster(t)
	a := newChurnMember(t, c, "a", 30000, 4000)
	n := newChurnMember(t, c, "n", 2000, 4000)
	admin := newChurnMember(t, c, "admin", 0, 0)
	stableLeader(a)
	n.register()
	n.joinAsync()
	waitParked(t, c, "n")

	// n's connection dies between completeRebalance's check of it and
	// the send of n's answer. That window cannot be hit from outside, so
	// n's parked request is swapped for one whose connection is open to
	// the check and whose send fails (its cluster reads as shut down).
	n.cl.Close()
	c.admin(func() {
		dead := &Cluster{die: make(chan struct{})}
		close(dead.die)
		for _, m := range c.groups.gs[churnGroup].members {
			if m.clientID == "n" {
				cc := &clientConn{c: dead, done: make(chan struct{}), respCh: make(chan clientResp)}
				m.waitingReply = &clientReq{cc: cc, kreq: m.waitingReply.kreq, corr: m.waitingReply.corr}
			}
		}
	})

	jr := a.join("rejoin with n's answer undeliverable")
	joined := time.Now()
	if len(jr.Members) != 2 {
		t.Fatalf("a: %d members in the generation, want a and n", len(jr.Members))
	}
	a.sync(jr, "sync with n")

	// n's session is 2 s; allow it 2 s more.
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
	defer cancel()
	for {
		state, names := describeGroup(t, admin.cl)
		if slices.Equal(names, []string{"a"}) {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%v after the join: %s %v, want n removed", time.Since(joined), state, names)
		case <-time.After(50 * time.Millisecond):
		}
	}
	if el := time.Since(joined); el < time.Second {
		t.Fatalf("n removed %v after the join, before its session could run out", el)
	}
	// The rebalance n's removal started completes with a.
	a.sync(a.join("rejoin after n's removal"), "sync after n's removal")
	if state, names := describeGroup(t, admin.cl); state != "Stable" || !slices.Equal(names, []string{"a"}) {
		t.Errorf("after n's removal: %s %v, want Stable [a]", state, names)
	}
}

// TestGroupDeadJoinerLeaves: a member whose connection closes while its
// JoinGroup waits is not in the generation that join completes, is gone
// from the group, and stays gone: no expiry a session timeout later
// restarts the rebalance, and the next rebalance completes as soon as the
// live members rejoin (upstream: it was in the generation, its reply went
// nowhere and, with a failed send, armed no session timer, so it stayed in
// the group until a later rebalance's deadline; with a send into the dead
// connection's buffer, its expiry forced a rebalance a session later).
func TestGroupDeadJoinerLeaves(t *testing.T) {
	c := churnCluster(t)
	a := newChurnMember(t, c, "a", 2000, 4000)
	n := newChurnMember(t, c, "n", 2000, 4000)
	admin := newChurnMember(t, c, "admin", 0, 0)
	stableLeader(a)

	n.register()
	n.joinAsync()
	waitParked(t, c, "n")
	n.cl.Close() // n's process dies with its join parked
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for closed := false; !closed; {
		c.admin(func() {
			for _, m := range c.groups.gs[churnGroup].members {
				if m.clientID == "n" && !m.waitingReply.empty() {
					select {
					case <-m.waitingReply.cc.done:
						closed = true
					default:
					}
				}
			}
		})
		select {
		case <-ctx.Done():
			t.Fatal("the broker never saw n's connection close")
		case <-time.After(5 * time.Millisecond):
		}
	}

	jr := a.join("rejoin with n's join parked on a closed connection")
	if jr.LeaderID != a.id || len(jr.Members) != 1 {
		t.Errorf("a: leader %q with %d members in the generation, want a alone", jr.LeaderID, len(jr.Members))
	}
	a.sync(jr, "sync")
	if state, names := describeGroup(t, admin.cl); state != "Stable" || !slices.Equal(names, []string{"a"}) {
		t.Errorf("after the rebalance: %s %v, want Stable [a]", state, names)
	}

	// Time must pass for any session timer of n to run out: a
	// session timeout and a half, with a heartbeating.
	for end := time.Now().Add(3 * time.Second); time.Now().Before(end); time.Sleep(500 * time.Millisecond) {
		if code := a.heartbeat(); code != 0 {
			t.Fatalf("a: heartbeat: %v", kerr.ErrorForCode(code))
		}
	}
	if state, names := describeGroup(t, admin.cl); state != "Stable" || !slices.Equal(names, []string{"a"}) {
		t.Errorf("a session timeout later: %s %v, want Stable [a]", state, names)
	}

	// The next rebalance needs a and e only: well inside the 4 s
	// rebalance timeout.
	e := newChurnMember(t, c, "e", 2000, 4000)
	e.register()
	ej := e.joinAsync()
	waitParked(t, c, "e")
	jr = a.await(a.joinAsync(), 2*time.Second, "rejoin with e")
	e.await(ej, 2*time.Second, "join with a")
	a.sync(jr, "sync with e")
	e.sync(nil, "sync with a")
	if state, names := describeGroup(t, admin.cl); state != "Stable" || !slices.Equal(names, []string{"a", "e"}) {
		t.Errorf("after e joined: %s %v, want Stable [a e]", state, names)
	}
}

// TestGroupRebalanceDeadlineFixed: new members joining while a rebalance
// waits for a member that does not rejoin do not push its deadline: it
// completes one rebalance timeout after it started (upstream: every join
// restarted the timer, and a churn of joiners kept the rebalance open).
func TestGroupRebalanceDeadlineFixed(t *testing.T) {
	const rebal = 4 * time.Second
	c := churnCluster(t)
	a := newChurnMember(t, c, "a", 30000, int32(rebal.Milliseconds()))
	stableLeader(a) // a stays in the group and never rejoins

	var js []*churnMember
	var chs []<-chan joinResult
	var start time.Time
	for i, name := range []string{"j1", "j2", "j3"} {
		if i > 0 {
			// The churn: a new member every 0.3 rebalance timeouts,
			// the last well before the deadline.
			time.Sleep(3 * rebal / 10)
		}
		j := newChurnMember(t, c, name, 30000, int32(rebal.Milliseconds()))
		j.register()
		if i == 0 {
			start = time.Now()
		}
		chs = append(chs, j.joinAsync())
		waitParked(t, c, name)
		js = append(js, j)
	}

	deadline := start.Add(rebal * 13 / 10)
	var leaders []string
	for i, j := range js {
		jr := j.await(chs[i], time.Until(deadline), "join 1.3 rebalance timeouts after the first joiner")
		if jr.Generation != js[0].gen {
			t.Fatalf("%s joined generation %d, %s %d", j.name, jr.Generation, js[0].name, js[0].gen)
		}
		leaders = append(leaders, jr.LeaderID)
	}
	if el := time.Since(start); el < rebal*9/10 {
		t.Fatalf("the rebalance completed after %v, before its deadline, with a not rejoined", el)
	}
	if leaders[0] != leaders[1] || leaders[1] != leaders[2] {
		t.Fatalf("leaders %v, want one", leaders)
	}
}

// TestGroupOneLeader: when the leader leaves during a rebalance, the
// members that rejoined are told the same single leader, and the sync
// completes (upstream: each member was told it was the leader).
func TestGroupOneLeader(t *testing.T) {
	c := churnCluster(t)
	a := newChurnMember(t, c, "a", 6000, 4000)
	b := newChurnMember(t, c, "b", 6000, 4000)
	d := newChurnMember(t, c, "d", 6000, 4000)
	stableLeader(a)
	b.register()
	bj := b.joinAsync()
	waitParked(t, c, "b")
	d.register()
	dj := d.joinAsync()
	waitParked(t, c, "d")

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	leave := kmsg.NewPtrLeaveGroupRequest()
	leave.Group = churnGroup
	lm := kmsg.NewLeaveGroupRequestMember()
	lm.MemberID = a.id
	leave.Members = append(leave.Members, lm)
	if resp, err := leave.RequestWith(ctx, a.cl); err != nil {
		t.Fatal(err)
	} else if err := kerr.ErrorForCode(resp.ErrorCode); err != nil {
		t.Fatalf("leave: %v", err)
	}

	bjr := b.await(bj, 2*time.Second, "join with a gone")
	djr := d.await(dj, 2*time.Second, "join with a gone")
	if bjr.LeaderID != djr.LeaderID {
		t.Fatalf("b was told leader %q, d %q: want one leader", bjr.LeaderID, djr.LeaderID)
	}
	leader, leaderJr, follower := b, bjr, d
	switch bjr.LeaderID {
	case b.id:
	case d.id:
		leader, leaderJr, follower = d, djr, b
	default:
		t.Fatalf("leader %q is neither b nor d", bjr.LeaderID)
	}
	if len(leaderJr.Members) != 2 {
		t.Fatalf("leader %s got %d members, want 2", leader.name, len(leaderJr.Members))
	}
	fs := follower.syncAsync(nil)
	waitParked(t, c, follower.name)
	leader.sync(leaderJr, "leader sync")
	follower.awaitSync(fs, 2*time.Second, "follower sync")
}

// sendJoin sends req and returns where its answer arrives, as joinAsync.
func (m *churnMember) sendJoin(req *kmsg.JoinGroupRequest) <-chan joinResult {
	ch := make(chan joinResult, 1)
	go func() {
		resp, err := req.RequestWith(context.Background(), m.cl)
		ch <- joinResult{resp, err}
	}()
	return ch
}

// staticJoinAsync sends a JoinGroup with the instance ID (KIP-345) under
// the member's ID, empty for a process that starts: a static member joins
// at once, with no MEMBER_ID_REQUIRED round.
func (m *churnMember) staticJoinAsync(instance string) <-chan joinResult {
	req := m.joinReq()
	req.InstanceID = kmsg.StringPtr(instance)
	return m.sendJoin(req)
}

// leaveGroup sends a LeaveGroup (v3+, by member) for one member and returns
// that member's error code.
func leaveGroup(t *testing.T, cl *kgo.Client, memberID string, instanceID *string) int16 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req := kmsg.NewPtrLeaveGroupRequest()
	req.Group = churnGroup
	lm := kmsg.NewLeaveGroupRequestMember()
	lm.MemberID = memberID
	lm.InstanceID = instanceID
	req.Members = append(req.Members, lm)
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		t.Fatalf("leave: %v", err)
	}
	if resp.Version < 3 || len(resp.Members) != 1 {
		t.Fatalf("leave: v%d with %d members, want v3+ with 1", resp.Version, len(resp.Members))
	}
	if err := kerr.ErrorForCode(resp.ErrorCode); err != nil {
		t.Fatalf("leave: %v", err)
	}
	return resp.Members[0].ErrorCode
}

// waitParkedJoin waits until the member with client ID name is in the group
// with a JoinGroup waiting for its answer.
func waitParkedJoin(t *testing.T, c *Cluster, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		var parked bool
		c.admin(func() {
			if g := c.groups.gs[churnGroup]; g != nil {
				for _, m := range g.members {
					if m.clientID == name && !m.waitingReply.empty() {
						_, join := m.waitingReply.kreq.(*kmsg.JoinGroupRequest)
						parked = parked || join
					}
				}
			}
		})
		if parked {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s never waited in JoinGroup", name)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// TestGroupSyncWaiterRemovedKeepsJoinCount: a member waiting in SyncGroup
// that leaves, is replaced by a static member's new process, or rejoins
// with another subscription does not skew the count of joined members, and
// the rebalance that follows completes as soon as every remaining member
// has rejoined (upstream: the removal counted a join that was never
// counted, and the rejoin did not count its join; either way the
// rebalance waited out its whole 10 s deadline).
func TestGroupSyncWaiterRemovedKeepsJoinCount(t *testing.T) {
	// The rebalance timeout is long, and every rebalance must complete
	// well inside it.
	const rebalMs, prompt = 10000, 2 * time.Second

	// syncingFollower makes a the leader of a stable group, then b a
	// follower that completed its join with a and waits in SyncGroup,
	// a not having synced. It returns a's join response.
	syncingFollower := func(t *testing.T, c *Cluster, a, b *churnMember, bj <-chan joinResult) (*kmsg.JoinGroupResponse, <-chan syncResult) {
		t.Helper()
		waitParked(t, c, "b")
		jr := a.await(a.joinAsync(), prompt, "join with b")
		br := b.await(bj, prompt, "join with a")
		b.id = br.MemberID
		if jr.LeaderID != a.id || len(jr.Members) != 2 {
			t.Fatalf("a: leader %q with %d members, want a leading a and b", jr.LeaderID, len(jr.Members))
		}
		bs := b.syncAsync(nil)
		waitParked(t, c, "b")
		return jr, bs
	}

	t.Run("leave", func(t *testing.T) {
		t.Parallel()
		c := churnCluster(t)
		a := newChurnMember(t, c, "a", 30000, rebalMs)
		b := newChurnMember(t, c, "b", 30000, rebalMs)
		admin := newChurnMember(t, c, "admin", 0, 0)
		stableLeader(a)
		b.register()
		syncingFollower(t, c, a, b, b.joinAsync())

		// b leaves from SyncGroup (its process shuts down); the
		// rebalance that starts needs a only.
		if code := leaveGroup(t, admin.cl, b.id, nil); code != 0 {
			t.Fatalf("b: leave: %v", kerr.ErrorForCode(code))
		}
		jr := a.await(a.joinAsync(), prompt, "rejoin after b left from SyncGroup")
		if jr.LeaderID != a.id || len(jr.Members) != 1 {
			t.Fatalf("a: leader %q with %d members, want a alone", jr.LeaderID, len(jr.Members))
		}
		a.sync(jr, "sync alone")
		if state, names := describeGroup(t, admin.cl); state != "Stable" || !slices.Equal(names, []string{"a"}) {
			t.Errorf("after b left: %s %v, want Stable [a]", state, names)
		}
	})

	t.Run("static replacement", func(t *testing.T) {
		t.Parallel()
		c := churnCluster(t)
		a := newChurnMember(t, c, "a", 30000, rebalMs)
		b := newChurnMember(t, c, "b", 30000, rebalMs)
		b2 := newChurnMember(t, c, "b2", 30000, rebalMs)
		admin := newChurnMember(t, c, "admin", 0, 0)
		stableLeader(a)
		_, bs := syncingFollower(t, c, a, b, b.staticJoinAsync("ib"))

		// b's process restarts while b waits in SyncGroup: its
		// successor joins with the same instance ID and fences it,
		// and the rebalance needs a and b2.
		b2j := b2.staticJoinAsync("ib")
		ctx, cancel := context.WithTimeout(context.Background(), prompt)
		defer cancel()
		select {
		case <-ctx.Done():
			t.Fatal("b: SyncGroup not answered after its replacement")
		case r := <-bs:
			if r.err != nil || r.resp.ErrorCode != kerr.FencedInstanceID.Code {
				t.Fatalf("b: SyncGroup after its replacement: %v %v, want FENCED_INSTANCE_ID", r.err, kerr.ErrorForCode(r.resp.ErrorCode))
			}
		}
		waitParked(t, c, "b2")
		jr := a.await(a.joinAsync(), prompt, "rejoin after b's replacement")
		b2.id = b2.await(b2j, prompt, "replacement's join").MemberID
		if jr.LeaderID != a.id || len(jr.Members) != 2 {
			t.Fatalf("a: leader %q with %d members, want a leading a and b2", jr.LeaderID, len(jr.Members))
		}
		b2s := b2.syncAsync(nil)
		a.sync(jr, "sync with b2")
		b2.awaitSync(b2s, prompt, "replacement's sync")
		if state, names := describeGroup(t, admin.cl); state != "Stable" || !slices.Equal(names, []string{"a", "b2"}) {
			t.Errorf("after b's replacement: %s %v, want Stable [a b2]", state, names)
		}
	})

	t.Run("rejoin", func(t *testing.T) {
		t.Parallel()
		c := churnCluster(t)
		a := newChurnMember(t, c, "a", 30000, rebalMs)
		b := newChurnMember(t, c, "b", 30000, rebalMs)
		admin := newChurnMember(t, c, "admin", 0, 0)
		stableLeader(a)
		b.register()
		syncingFollower(t, c, a, b, b.joinAsync())

		// b gives up on its SyncGroup and rejoins, on a new
		// connection, with another subscription; its abandoned
		// SyncGroup stays unanswered on the old one. The rebalance
		// that starts needs a and b.
		b2 := newChurnMember(t, c, "b", 30000, rebalMs)
		b2.id = b.id
		req := b2.joinReq()
		meta := kmsg.NewConsumerMemberMetadata()
		meta.Topics = []string{"t", "u"}
		req.Protocols[0].Metadata = meta.AppendTo(nil)
		b2j := b2.sendJoin(req)
		waitParkedJoin(t, c, "b")
		gen := a.gen
		jr := a.await(a.joinAsync(), prompt, "rejoin with b's new subscription")
		if jr.Generation == gen {
			t.Fatalf("a: rejoined generation %d, the one b left", gen)
		}
		b2.await(b2j, prompt, "b's rejoin from SyncGroup")
		if jr.LeaderID != a.id || len(jr.Members) != 2 {
			t.Fatalf("a: leader %q with %d members, want a leading a and b", jr.LeaderID, len(jr.Members))
		}
		b2s := b2.syncAsync(nil)
		a.sync(jr, "sync with b")
		b2.awaitSync(b2s, prompt, "b's sync")
		if state, names := describeGroup(t, admin.cl); state != "Stable" || !slices.Equal(names, []string{"a", "b"}) {
			t.Errorf("after b's rejoin: %s %v, want Stable [a b]", state, names)
		}
	})
}

// TestGroupStaleLeaveFencedBySuccessor: a LeaveGroup that names a static
// member's instance ID with the member ID of a process that has since been
// replaced is answered FENCED_INSTANCE_ID and leaves the successor in the
// group, as Kafka does (KIP-345); one that names the instance ID alone
// removes the current holder (upstream: the stale leave removed the
// successor).
func TestGroupStaleLeaveFencedBySuccessor(t *testing.T) {
	c := churnCluster(t)
	s1 := newChurnMember(t, c, "s1", 30000, 5000)
	s2 := newChurnMember(t, c, "s2", 30000, 5000)
	admin := newChurnMember(t, c, "admin", 0, 0)

	jr := s1.await(s1.staticJoinAsync("i"), 5*time.Second, "static join")
	s1.id = jr.MemberID
	s1.sync(jr, "first sync")
	// The successor process joins with the same instance ID: it replaces
	// s1 in the stable group without a rebalance.
	s2.id = s2.await(s2.staticJoinAsync("i"), 5*time.Second, "successor's join").MemberID
	if s2.id == "" || s2.id == s1.id {
		t.Fatalf("successor got member ID %q, predecessor %q", s2.id, s1.id)
	}

	members := func() (string, []string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		req := kmsg.NewPtrDescribeGroupsRequest()
		req.Groups = []string{churnGroup}
		resp, err := req.RequestWith(ctx, admin.cl)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, m := range resp.Groups[0].Members {
			id := m.MemberID + "/"
			if m.InstanceID != nil {
				id += *m.InstanceID
			}
			ids = append(ids, id)
		}
		return resp.Groups[0].State, ids
	}

	// The predecessor's leave, sent late (its shutdown hook).
	if code := leaveGroup(t, s1.cl, s1.id, kmsg.StringPtr("i")); code != kerr.FencedInstanceID.Code {
		t.Fatalf("predecessor's leave: %v, want FENCED_INSTANCE_ID", kerr.ErrorForCode(code))
	}
	if state, ids := members(); state != "Stable" || !slices.Equal(ids, []string{s2.id + "/i"}) {
		t.Fatalf("after the predecessor's leave: %s %v, want Stable [%s/i]", state, ids, s2.id)
	}
	if code := s2.heartbeat(); code != 0 {
		t.Fatalf("successor: heartbeat: %v", kerr.ErrorForCode(code))
	}

	// A leave by instance ID alone removes whoever holds it.
	if code := leaveGroup(t, admin.cl, "", kmsg.StringPtr("i")); code != 0 {
		t.Fatalf("leave by instance ID: %v", kerr.ErrorForCode(code))
	}
	if state, ids := members(); state != "Empty" || len(ids) != 0 {
		t.Fatalf("after the leave by instance ID: %s %v, want Empty []", state, ids)
	}
}
