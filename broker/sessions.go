package broker

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// sessionReaper enforces the consumer-group session timeout where kfake
// misses it, so that the embedded broker behaves as Kafka does after crashes.
//
// Kafka's coordinator starts a member's session timer when it completes the
// join phase, whether or not the JoinGroup response reaches the member. kfake
// starts it only once the response was written: a member killed while its
// JoinGroup was pending (SIGKILL during a rebalance) then stays in the group
// forever, holding its share of the partitions, and the group's live members
// never get them (seen: a member killed 0.5–0.9 s after its start, on a loaded
// machine, kept two of eight partitions for 14 minutes).
//
// The reaper watches the group requests that carry a member id (JoinGroup,
// SyncGroup, Heartbeat, OffsetCommit) and, once a second, removes with a
// LeaveGroup every member of a stable group that has sent none of them for
// longer than its session timeout. A live member heartbeats (every second
// here), so only the dead are removed, and a member waiting inside a
// rebalance is never touched (the group is not stable then).
type sessionReaper struct {
	log    *slog.Logger
	client *kafka.Client
	tr     *kafka.Transport

	mu      sync.Mutex
	groups  map[string]map[string]*memberSeen // group → member id → activity
	removed map[string]bool                   // member ids the reaper removed
}

type memberSeen struct {
	last    time.Time     // last request naming the member, or when the reaper first saw it listed
	session time.Duration // from the member's JoinGroup; 0 until seen
}

// gracePeriod is added to a member's session timeout before it is removed:
// Kafka's own expiry, where kfake does apply it, goes first.
const gracePeriod = 2 * time.Second

func newSessionReaper(c *kfake.Cluster, addrs []string, sec security, log *slog.Logger) *sessionReaper {
	tr := &kafka.Transport{DialTimeout: 2 * time.Second}
	sec.clientTransport(tr)
	r := &sessionReaper{
		log:     log,
		tr:      tr,
		client:  &kafka.Client{Addr: kafka.TCP(addrs...), Timeout: 5 * time.Second, Transport: tr},
		groups:  map[string]map[string]*memberSeen{},
		removed: map[string]bool{},
	}
	for _, key := range []kmsg.Key{kmsg.JoinGroup, kmsg.SyncGroup, kmsg.Heartbeat, kmsg.OffsetCommit} {
		// An observer: it never handles the request, so kfake keeps it and
		// processes every request as usual.
		c.ControlKey(int16(key), func(req kmsg.Request) (kmsg.Response, error, bool) {
			r.observe(req)
			return nil, nil, false
		})
	}
	return r
}

// observe records the activity of the member a group request names. It runs
// on kfake's request loop, so it only takes the lock.
func (r *sessionReaper) observe(req kmsg.Request) {
	var group, member string
	var session time.Duration
	switch q := req.(type) {
	case *kmsg.JoinGroupRequest:
		group, member, session = q.Group, q.MemberID, time.Duration(q.SessionTimeoutMillis)*time.Millisecond
	case *kmsg.SyncGroupRequest:
		group, member = q.Group, q.MemberID
	case *kmsg.HeartbeatRequest:
		group, member = q.Group, q.MemberID
	case *kmsg.OffsetCommitRequest:
		group, member = q.Group, q.MemberID
	default:
		return
	}
	if group == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	members := r.groups[group]
	if members == nil {
		members = map[string]*memberSeen{}
		r.groups[group] = members
	}
	if member == "" {
		return
	}
	m := members[member]
	if m == nil {
		m = &memberSeen{}
		members[member] = m
	}
	m.last = time.Now()
	if session > 0 {
		m.session = session
	}
}

// run reaps once a second until ctx ends.
func (r *sessionReaper) run(ctx context.Context) {
	defer r.tr.CloseIdleConnections()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			r.reap(ctx)
		}
	}
}

func (r *sessionReaper) reap(ctx context.Context) {
	r.mu.Lock()
	names := make([]string, 0, len(r.groups))
	for g := range r.groups {
		names = append(names, g)
	}
	r.mu.Unlock()
	if len(names) == 0 {
		return
	}
	res, err := r.client.DescribeGroups(ctx, &kafka.DescribeGroupsRequest{GroupIDs: names})
	if err != nil {
		return // the broker is closing, or busy: try again next tick
	}
	now := time.Now()
	for _, g := range res.Groups {
		if g.Error != nil {
			continue
		}
		dead := r.expired(g, now)
		if len(dead) == 0 {
			continue
		}
		req := &kafka.LeaveGroupRequest{GroupID: g.GroupID}
		for _, id := range dead {
			req.Members = append(req.Members, kafka.LeaveGroupRequestMember{ID: id})
		}
		if _, err := r.client.LeaveGroup(ctx, req); err != nil {
			r.log.Warn("embedded broker: remove members whose session expired", "group", g.GroupID, "err", err)
			continue
		}
		r.log.Info("embedded broker: removed members whose session expired unnoticed by kfake",
			"group", g.GroupID, "members", dead)
		r.mu.Lock()
		for _, id := range dead {
			r.removed[id] = true
		}
		r.mu.Unlock()
	}
}

// expired lists the members of a stable group silent for longer than their
// session timeout, and forgets members that have left.
func (r *sessionReaper) expired(g kafka.DescribeGroupsResponseGroup, now time.Time) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	seen := r.groups[g.GroupID]
	if seen == nil {
		return nil
	}
	if len(g.Members) == 0 {
		// Empty or gone: forget it until a member names it again.
		delete(r.groups, g.GroupID)
		return nil
	}
	// A member never seen joining gets the longest session timeout its group
	// was joined with (Kafka's default, 45s, if none is known).
	groupSession := 45 * time.Second
	if max := maxSession(seen); max > 0 {
		groupSession = max
	}
	listed := make(map[string]bool, len(g.Members))
	var dead []string
	for _, m := range g.Members {
		listed[m.MemberID] = true
		s := seen[m.MemberID]
		if s == nil {
			// Never seen naming itself: count its silence from now.
			seen[m.MemberID] = &memberSeen{last: now}
			continue
		}
		session := s.session
		if session == 0 {
			session = groupSession
		}
		if g.GroupState == "Stable" && now.Sub(s.last) > session+gracePeriod {
			dead = append(dead, m.MemberID)
		}
	}
	for id := range seen {
		if !listed[id] {
			delete(seen, id)
		}
	}
	return dead
}

func maxSession(seen map[string]*memberSeen) time.Duration {
	var max time.Duration
	for _, s := range seen {
		max = maxDuration(max, s.session)
	}
	return max
}

func maxDuration(a, b time.Duration) time.Duration {
	if a > b {
		return a
	}
	return b
}

// wasRemoved reports whether the reaper removed the member.
func (r *sessionReaper) wasRemoved(member string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.removed[member]
}
