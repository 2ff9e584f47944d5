package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"alsbot/adapters/redis/redistest"
)

// TestTwoReplicasShareRedis: two servers behind one (imagined) load
// balancer, sharing a real redis-server: an event LINE delivers to both
// is answered once, a follow-up on the other replica is answered in
// context, and a burst split across both is limited once.
func TestTwoReplicasShareRedis(t *testing.T) {
	url := redistest.Start(t)
	f := newFakeLINE(t)
	env := func() map[string]string {
		e := lineEnv(f)
		e["ALSBOT_REDIS_URL"] = url
		e["ALSBOT_RATE_BURST"] = "3"
		e["ALSBOT_RATE_EVERY"] = "1h"
		return e
	}
	a, b := startServe(t, env(), serveHooks{}), startServe(t, env(), serveHooks{})
	for _, s := range []*testServer{a, b} {
		eventually(t, "ready with Redis", func() bool { code, _ := s.ready(t); return code == 200 })
	}

	// The same event, delivered to both.
	a.webhook(t, "01RSAME", "Urep1", "tok-same", "培養上清液とは？", "")
	b.webhook(t, "01RSAME", "Urep1", "tok-same", "培養上清液とは？", "")
	eventually(t, "the answer", func() bool { return len(f.replied("tok-same")) > 0 })
	time.Sleep(300 * time.Millisecond)
	if n := f.replyCalls("tok-same"); n != 1 {
		t.Errorf("the same event on two replicas: %d replies, want 1", n)
	}

	// Turn 1 on A, the follow-up on B.
	bt, err := loadBot(context.Background(), kbFlags{})
	if err != nil {
		t.Fatal(err)
	}
	safety, _ := bt.Answer("muse-trial-safety", "ja")
	a.webhook(t, "01RTURN1", "Urep2", "tok-t1", "ミューズ細胞の治験について教えて", "")
	eventually(t, "turn 1", func() bool { return len(f.replied("tok-t1")) > 0 })
	b.webhook(t, "01RTURN2", "Urep2", "tok-t2", "副作用は？", "")
	eventually(t, "turn 2", func() bool { return len(f.replied("tok-t2")) > 0 })
	if got := f.replied("tok-t2")[0]; !strings.Contains(got, safety.Text[:30]) {
		t.Errorf("「副作用は？」 on the other replica got %q; want the Muse trial's safety", got)
	}

	// A burst of 6, split across both: 3 answered, 1 told to slow down.
	for i := range 6 {
		s := a
		if i%2 == 1 {
			s = b
		}
		s.webhook(t, fmt.Sprintf("01RBURST%d", i), "Urep3", fmt.Sprintf("tok-b%d", i), "iPS細胞とは？", "")
		eventually(t, "the burst's message handled", func() bool { return len(f.replied(fmt.Sprintf("tok-b%d", i))) > 0 || i >= 4 })
	}
	time.Sleep(500 * time.Millisecond)
	answered, slowed := 0, 0
	for i := range 6 {
		switch r := strings.Join(f.replied(fmt.Sprintf("tok-b%d", i)), "\n"); {
		case strings.Contains(r, "控えています"):
			slowed++
		case r != "":
			answered++
		}
	}
	if answered != 3 || slowed != 1 {
		t.Errorf("a burst of 6 across two replicas: %d answered, %d told to slow down; want 3 and 1", answered, slowed)
	}
}

// TestAReplicaStoppedMidLoadLosesNothing: replica A accepts 120 events
// behind a slow LINE API (100 ms a call, one worker): A stops with most
// of them unanswered, and replica B takes them over once their 3 s
// leases run out. Every event is
// answered exactly once.
func TestAReplicaStoppedMidLoadLosesNothing(t *testing.T) {
	url := redistest.Start(t)
	ln := newFakeLINE(t)
	ln.delay = 100 * time.Millisecond
	env := func(workers string) map[string]string {
		e := lineEnv(ln)
		e["ALSBOT_REDIS_URL"] = url
		e["ALSBOT_OUTBOX_LEASE"] = "3s"
		e["LINE_WORKERS"] = workers
		return e
	}
	a := startServe(t, env("1"), serveHooks{})
	b := startServe(t, env("4"), serveHooks{})
	const n = 120
	for i := range n {
		if code := a.webhook(t, fmt.Sprintf("01RKILL%03d", i), fmt.Sprintf("Ukill%03d", i), fmt.Sprintf("tok-k%03d", i), "培養上清液とは？", ""); code != 200 {
			t.Fatalf("event %d: %d", i, code)
		}
	}
	a.stop()
	ln.mu.Lock()
	beforeA := len(ln.calls)
	ln.mu.Unlock()
	eventually(t, "every event answered", func() bool {
		ln.mu.Lock()
		defer ln.mu.Unlock()
		return len(ln.calls)+len(ln.pushes) >= n
	})
	time.Sleep(2 * time.Second) // a double answer would show up by now
	ln.mu.Lock()
	defer ln.mu.Unlock()
	lost, doubled := 0, 0
	for i := range n {
		got := ln.calls[fmt.Sprintf("tok-k%03d", i)]
		for _, p := range ln.pushes {
			if p.to == fmt.Sprintf("Ukill%03d", i) {
				got++
			}
		}
		switch {
		case got == 0:
			lost++
		case got > 1:
			doubled++
		}
	}
	t.Logf("answered by A before it stopped: %d; by B after: %d; lost %d, doubled %d", beforeA, n-beforeA, lost, doubled)
	if lost != 0 || doubled != 0 || beforeA == n {
		t.Errorf("lost %d, doubled %d, A answered %d of %d before stopping (want some left to B)", lost, doubled, beforeA, n)
	}
	_ = b
}

// TestHandoffAcrossReplicas: a case opened through replica A is found by
// replica B, where Slack delivers the staff's reply.
func TestHandoffAcrossReplicas(t *testing.T) {
	url := redistest.Start(t)
	ln, sl := newFakeLINE(t), newFakeSlack(t)
	env := func() map[string]string {
		e := lineEnv(ln)
		e["SLACK_BOT_TOKEN"] = "xoxb-test-token"
		e["SLACK_SIGNING_SECRET"] = slackSecret
		e["SLACK_API_BASE"] = sl.srv.URL + "/api/"
		e["ALSBOT_HANDOFF_CHANNEL"] = casesChannel
		e["ALSBOT_REDIS_URL"] = url
		return e
	}
	a, b := startServe(t, env(), serveHooks{}), startServe(t, env(), serveHooks{})
	a.webhook(t, "01RH1", handoffUser, "tok-1", "スタッフと話したい", "")
	eventually(t, "the offer", func() bool { return strings.Contains(ln.repliedText("tok-1"), "伝える相手") })
	b.webhook(t, "01RH2", handoffUser, "tok-2", "はい", "") // the consent reaches the other replica
	eventually(t, "the case posted", func() bool { p, _ := sl.all(); return len(p) == 1 })
	staffWrites(t, b, "EvR1", "1700000001.000100", "1700000900.000100", "看護師です")
	eventually(t, "the staff reply pushed", func() bool { return len(ln.pushed()) == 1 })
}
