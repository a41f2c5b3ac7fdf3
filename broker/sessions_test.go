package broker

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestDeadJoinerIsRemoved reproduces a member killed while its JoinGroup is
// pending: kfake never starts its session timer, so without the reaper it
// stays in the stable group forever with its share of the partitions. With
// the reaper it is removed after its session timeout, and the live member
// gets every partition back.
func TestDeadJoinerIsRemoved(t *testing.T) {
	b, err := Start(Config{Addr: "127.0.0.1:0", Partitions: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	const topic, group = "reaper-topic", "reaper-group"
	w := &kafka.Writer{Addr: kafka.TCP(b.Addr()), Topic: topic, AllowAutoTopicCreation: true, Transport: &kafka.Transport{}}
	defer w.Close()
	for {
		err := w.WriteMessages(t.Context(), kafka.Message{Value: []byte("x")})
		if err == nil {
			break
		}
		if !errors.Is(err, kafka.UnknownTopicOrPartition) && !errors.Is(err, kafka.LeaderNotAvailable) {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
	}

	live := kafka.NewReader(kafka.ReaderConfig{
		Brokers: []string{b.Addr()}, GroupID: group, GroupTopics: []string{topic},
		HeartbeatInterval: time.Second, SessionTimeout: 6 * time.Second, RebalanceTimeout: 6 * time.Second,
		JoinGroupBackoff: 200 * time.Millisecond, MaxWait: 200 * time.Millisecond,
	})
	defer live.Close()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go func() {
		for {
			if _, err := live.FetchMessage(ctx); err != nil {
				return
			}
		}
	}()
	waitGroup(t, b, group, "the live member alone and stable", func(g kafka.DescribeGroupsResponseGroup) bool {
		return g.GroupState == "Stable" && len(g.Members) == 1
	})

	// A dead joiner: its second JoinGroup (with its member id) starts a
	// rebalance that waits for the live member, and its connection is closed
	// before the answer, as a SIGKILL would. Whether kfake then arms the
	// session timer is a coin toss (a select between queueing the answer and
	// the closed connection), so dead joiners come one at a time until the
	// reaper has had to remove one; each must be gone, by kfake or the
	// reaper, within its session timeout and a few seconds.
	for round := 1; round <= 20; round++ {
		member := deadJoiner(t, b.Addr(), group, topic)
		waitGroup(t, b, group, "the dead joiner removed", func(g kafka.DescribeGroupsResponseGroup) bool {
			return g.GroupState == "Stable" && len(g.Members) == 1 && !hasMember(g, member)
		})
		if b.reaper.wasRemoved(member) {
			t.Logf("round %d: kfake lost the dead joiner's session timer; the reaper removed it", round)
			return
		}
		t.Logf("round %d: kfake expired the dead joiner itself", round)
	}
	t.Log("in 20 rounds kfake never lost a session timer (odds about 1 in a million): the reaper had nothing to do")
}

// deadJoiner joins group and disconnects while its join is pending.
func deadJoiner(t *testing.T, addr, group, topic string) string {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	resp := roundTrip(t, conn, 1, joinRequest(group, topic, "")).(*kmsg.JoinGroupResponse)
	if resp.MemberID == "" {
		t.Fatalf("first JoinGroup returned no member id (error code %d)", resp.ErrorCode)
	}
	send(t, conn, 2, joinRequest(group, topic, resp.MemberID))
	time.Sleep(100 * time.Millisecond)
	return resp.MemberID
}

func hasMember(g kafka.DescribeGroupsResponseGroup, id string) bool {
	for _, m := range g.Members {
		if m.MemberID == id {
			return true
		}
	}
	return false
}

func waitGroup(t *testing.T, b *Broker, group, what string, ok func(kafka.DescribeGroupsResponseGroup) bool) {
	t.Helper()
	c := &kafka.Client{Addr: kafka.TCP(b.Addr()), Timeout: 5 * time.Second, Transport: &kafka.Transport{}}
	deadline := time.Now().Add(45 * time.Second)
	var last kafka.DescribeGroupsResponseGroup
	for time.Now().Before(deadline) {
		res, err := c.DescribeGroups(t.Context(), &kafka.DescribeGroupsRequest{GroupIDs: []string{group}})
		if err == nil && len(res.Groups) == 1 {
			if g := res.Groups[0]; g.GroupState != last.GroupState || len(g.Members) != len(last.Members) {
				t.Logf("group %s: %s, %d members", group, g.GroupState, len(g.Members))
			}
			last = res.Groups[0]
			if ok(last) {
				return
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("waited 45s for %s; group is %s with %d members", what, last.GroupState, len(last.Members))
}

func joinRequest(group, topic, member string) *kmsg.JoinGroupRequest {
	meta := kmsg.NewConsumerMemberMetadata()
	meta.Topics = []string{topic}
	req := kmsg.NewPtrJoinGroupRequest()
	req.Version = 5
	req.Group, req.MemberID, req.ProtocolType = group, member, "consumer"
	req.SessionTimeoutMillis, req.RebalanceTimeoutMillis = 6000, 6000
	for _, name := range []string{"range", "roundrobin"} {
		p := kmsg.NewJoinGroupRequestProtocol()
		p.Name, p.Metadata = name, meta.AppendTo(nil)
		req.Protocols = append(req.Protocols, p)
	}
	return req
}

// send writes one request with a v1 header (JoinGroup v5 is not flexible).
func send(t *testing.T, conn net.Conn, corr int32, req kmsg.Request) {
	t.Helper()
	body := binary.BigEndian.AppendUint16(nil, uint16(req.Key()))
	body = binary.BigEndian.AppendUint16(body, uint16(req.GetVersion()))
	body = binary.BigEndian.AppendUint32(body, uint32(corr))
	body = binary.BigEndian.AppendUint16(body, uint16(len("reaper-test")))
	body = append(body, "reaper-test"...)
	body = req.AppendTo(body)
	msg := binary.BigEndian.AppendUint32(nil, uint32(len(body)))
	if _, err := conn.Write(append(msg, body...)); err != nil {
		t.Fatal(err)
	}
}

func roundTrip(t *testing.T, conn net.Conn, corr int32, req kmsg.Request) kmsg.Response {
	t.Helper()
	send(t, conn, corr, req)
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(conn)
	var size int32
	if err := binary.Read(r, binary.BigEndian, &size); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, size)
	if _, err := io.ReadFull(r, buf); err != nil {
		t.Fatal(err)
	}
	if got := int32(binary.BigEndian.Uint32(buf)); got != corr {
		t.Fatalf("response correlation %d, want %d", got, corr)
	}
	resp := req.ResponseKind()
	if err := resp.ReadFrom(buf[4:]); err != nil {
		t.Fatal(fmt.Errorf("decode %T: %w", resp, err))
	}
	return resp
}
