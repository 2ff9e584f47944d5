package slack

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"alsbot/bot"
)

// newSocketAdapter is an adapter in Socket Mode against f, closed when
// the test ends.
func newSocketAdapter(t testing.TB, f *fakeSlack, ask bot.Asker, cfg Config) *Adapter {
	t.Helper()
	cfg.BotToken, cfg.AppToken, cfg.APIBase = testBotToken, testAppToken, f.apiBase()
	a, err := New(ask, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close(context.Background()) })
	return a
}

// runAdapter runs a until the test ends; the returned channel has Run's
// result.
func runAdapter(t testing.TB, a *Adapter) (context.CancelFunc, <-chan error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		done <- a.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-finished
	})
	return cancel, done
}

// connection waits for the adapter to open a websocket and greets it as
// Slack does.
func connection(t testing.TB, f *fakeSlack, a *Adapter) *websocket.Conn {
	t.Helper()
	var c *websocket.Conn
	select {
	case c = <-f.conns:
	case <-time.After(10 * time.Second):
		t.Fatal("the adapter did not connect within 10s")
	}
	t.Cleanup(func() { c.Close() })
	send(t, c, map[string]any{
		"type": "hello", "num_connections": 1,
		"connection_info": map[string]any{"app_id": "A1"},
		"debug_info":      map[string]any{"host": "fake", "approximate_connection_time": 3600},
	})
	deadline := time.Now().Add(10 * time.Second)
	for !a.Ready() {
		if time.Now().After(deadline) {
			t.Fatal("connected but not ready")
		}
		time.Sleep(time.Millisecond)
	}
	return c
}

func send(t testing.TB, c *websocket.Conn, v any) {
	t.Helper()
	if err := c.WriteJSON(v); err != nil {
		t.Fatalf("writing to the websocket: %v", err)
	}
}

// envelope is a Socket Mode request.
func envelope(typ, id string, payload json.RawMessage, retry int) map[string]any {
	e := map[string]any{"type": typ, "envelope_id": id, "payload": payload, "accepts_response_payload": false}
	if retry > 0 {
		e["retry_attempt"], e["retry_reason"] = retry, "timeout"
	}
	return e
}

// ack reads the next acknowledgement the adapter sends.
func ack(t testing.TB, c *websocket.Conn) string {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	var r struct {
		EnvelopeID string          `json:"envelope_id"`
		Payload    json.RawMessage `json:"payload"`
	}
	if err := c.ReadJSON(&r); err != nil {
		t.Fatalf("no acknowledgement: %v", err)
	}
	return r.EnvelopeID
}

func expectAck(t testing.TB, c *websocket.Conn, id string) {
	t.Helper()
	if got := ack(t, c); got != id {
		t.Fatalf("acknowledged %q, want %q", got, id)
	}
}

func TestSocketModeEndToEnd(t *testing.T) {
	f := newFakeSlack(t)
	a := newSocketAdapter(t, f, testBot(t), Config{})
	if len(a.Routes()) != 0 {
		t.Errorf("Socket Mode serves %d HTTP routes", len(a.Routes()))
	}
	cancel, done := runAdapter(t, a)
	c := connection(t, f, a)

	mention := json.RawMessage(callback("EvS1", mentionEvent("C1", "1700001000.000100", "<@UBOT> What were the Muse trial results?")))
	send(t, c, envelope("events_api", "env-1", mention, 0))
	expectAck(t, c, "env-1")
	p := f.next(t)
	if p.Channel != "C1" || p.ThreadTS != "1700001000.000100" || !strings.Contains(sectionText(p), "0.47 points per month") {
		t.Fatalf("mention answered to %q thread %q with %q", p.Channel, p.ThreadTS, p.Text)
	}
	if !strings.Contains(contextText(p, blockSources), "<https://www.okayama-u.ac.jp/tp/release/release_id1173.html|") {
		t.Errorf("no source link: %s", contextText(p, blockSources))
	}

	// Slack redelivers an envelope it thinks was lost: acknowledged, not
	// answered again.
	send(t, c, envelope("events_api", "env-1-again", mention, 1))
	expectAck(t, c, "env-1-again")

	cmd, _ := json.Marshal(map[string]any{
		"token": "legacy", "team_id": "T1", "channel_id": "C1", "user_id": "U1", "command": "/als",
		"text": "Is Muse cell therapy safe?", "response_url": f.responseURL("sm-cmd"), "trigger_id": "trig-sm-1",
	})
	send(t, c, envelope("slash_commands", "env-2", cmd, 0))
	expectAck(t, c, "env-2")
	p = f.next(t)
	if p.Method != "response_url" || p.ResponseType != "ephemeral" || p.Channel != "/respond/sm-cmd" {
		t.Fatalf("command answered by %s %q (%s)", p.Method, p.Channel, p.ResponseType)
	}

	click := json.RawMessage(clickPayload("C1", "1700001000.000200", "1700001000.000100", "en", "muse-how-given", "", false))
	send(t, c, envelope("interactive", "env-3", click, 0))
	expectAck(t, c, "env-3")
	p = f.next(t)
	want, _ := testBot(t).Answer("muse-how-given", "en")
	if p.Channel != "C1" || p.ThreadTS != "1700001000.000100" || p.Text != clip(escape(want.Text), maxFallbackText) {
		t.Fatalf("click answered to %q thread %q with %q", p.Channel, p.ThreadTS, p.Text)
	}

	// The network drops: the adapter reconnects by itself.
	c.NetConn().Close()
	c2 := connection(t, f, a)
	send(t, c2, envelope("events_api", "env-4", json.RawMessage(callback("EvS4", dmEvent("D1", "1700001000.000400", "What is ALS?"))), 0))
	expectAck(t, c2, "env-4")
	if p = f.next(t); p.Channel != "D1" || p.ThreadTS != "" {
		t.Fatalf("DM after reconnection answered to %q thread %q", p.Channel, p.ThreadTS)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	if a.Ready() {
		t.Error("ready after Run returned")
	}
	a.Close(context.Background())
	if ps := f.drained(); len(ps) != 0 {
		t.Errorf("%d more messages posted; the redelivered envelope was answered twice?", len(ps))
	}
}

func TestSocketModeAcknowledgesBeforeAnswering(t *testing.T) {
	f := newFakeSlack(t)
	release := make(chan struct{})
	a := newSocketAdapter(t, f, stubAsker{fn: func(q bot.Question) bot.Reply {
		<-release
		return bot.Reply{Kind: bot.KindAnswer, Lang: "en", Text: "late"}
	}}, Config{})
	runAdapter(t, a)
	c := connection(t, f, a)
	send(t, c, envelope("events_api", "env-slow", json.RawMessage(callback("EvSlow", dmEvent("D1", "1.1", "What is ALS?"))), 0))
	expectAck(t, c, "env-slow") // while the bot is still thinking
	close(release)
	if p := f.next(t); p.Text != "late" {
		t.Errorf("posted %q", p.Text)
	}
}

func TestSocketModeOverloadIsDeliveredAgain(t *testing.T) {
	f := newFakeSlack(t)
	obs := newObserver()
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	a := newSocketAdapter(t, f, stubAsker{fn: func(q bot.Question) bot.Reply {
		select {
		case started <- struct{}{}:
		default:
		}
		<-release
		return bot.Reply{Kind: bot.KindAnswer, Lang: "en", Text: q.Text}
	}}, Config{Workers: 1, Observer: obs})
	runAdapter(t, a)
	c := connection(t, f, a)
	dm := func(i int) json.RawMessage {
		return json.RawMessage(callback("EvO"+strconv.Itoa(i), dmEvent("D1", "5."+strconv.Itoa(i), "q"+strconv.Itoa(i))))
	}
	send(t, c, envelope("events_api", "env-0", dm(0), 0))
	expectAck(t, c, "env-0")
	<-started
	for i := 1; i <= queuePerWorker; i++ {
		send(t, c, envelope("events_api", "env-"+strconv.Itoa(i), dm(i), 0))
		expectAck(t, c, "env-"+strconv.Itoa(i))
	}
	last := queuePerWorker + 1
	send(t, c, envelope("events_api", "env-full", dm(last), 0)) // no room: not acknowledged
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		if rej, _ := obs.counts(); rej[reasonOverloaded] == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a message beyond the queue was not refused")
		}
	}
	close(release)
	seen := map[string]bool{}
	for range last {
		seen[f.next(t).Text] = true
	}
	// Slack delivers the unacknowledged envelope again. Acknowledgements
	// go out in order, so if the first delivery had been acknowledged
	// that would be read first.
	send(t, c, envelope("events_api", "env-full-again", dm(last), 1))
	expectAck(t, c, "env-full-again")
	a.Close(context.Background())
	for _, p := range f.drained() {
		seen[p.Text] = true
	}
	for i := 0; i <= last; i++ {
		if !seen["q"+strconv.Itoa(i)] {
			t.Errorf("message %d never answered", i)
		}
	}
	if len(seen) != last+1 {
		t.Errorf("%d distinct answers, want %d", len(seen), last+1)
	}
	if rej, _ := obs.counts(); rej[reasonOverloaded] != 1 {
		t.Errorf("observer told of %d overloads, want 1", rej[reasonOverloaded])
	}
}

func TestSocketModeStopsOnRefusedAppToken(t *testing.T) {
	for _, code := range []string{"invalid_auth", "token_revoked", "not_allowed_token_type"} {
		t.Run(code, func(t *testing.T) {
			f := newFakeSlack(t)
			f.set(&f.openError, code)
			a := newSocketAdapter(t, f, testBot(t), Config{})
			_, done := runAdapter(t, a)
			select {
			case err := <-done:
				if !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), "SLACK_APP_TOKEN") || !strings.Contains(err.Error(), code) {
					t.Fatalf("Run: %v; want ErrAuth naming SLACK_APP_TOKEN and %s", err, code)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Run kept trying with a refused token")
			}
			if a.Ready() {
				t.Error("ready with a refused token")
			}
		})
	}
}

func TestSocketModeRetriesWhileSlackIsUnreachable(t *testing.T) {
	f := newFakeSlack(t)
	f.set(&f.openError, "internal_error")
	a := newSocketAdapter(t, f, testBot(t), Config{Observer: newObserver()})
	_, done := runAdapter(t, a)
	time.Sleep(300 * time.Millisecond) // a few of slack-go's retries
	select {
	case err := <-done:
		t.Fatalf("Run gave up on a passing error: %v", err)
	default:
	}
	f.set(&f.openError, "")
	c := connection(t, f, a)
	send(t, c, envelope("events_api", "env-1", json.RawMessage(callback("EvU1", dmEvent("D1", "1.1", "What is ALS?"))), 0))
	expectAck(t, c, "env-1")
	f.next(t)
}

func TestSocketModeUnreadableEnvelopesAreAcknowledged(t *testing.T) {
	f := newFakeSlack(t)
	obs := newObserver()
	a := newSocketAdapter(t, f, testBot(t), Config{Observer: obs})
	runAdapter(t, a)
	c := connection(t, f, a)
	// An event slack-go's strict decoder refuses is still answered.
	ev := mentionEvent("C1", "1700002000.000100", "<@UBOT> What were the Muse trial results?")
	ev["blocks"] = []any{map[string]any{"type": "rich_text", "elements": "not a list"}}
	send(t, c, envelope("events_api", "env-odd", json.RawMessage(callback("EvOdd", ev)), 0))
	expectAck(t, c, "env-odd")
	if p := f.next(t); !strings.Contains(sectionText(p), "0.47 points per month") {
		t.Errorf("answered %q", p.Text)
	}
	// An envelope nobody can read is acknowledged so it is not resent.
	send(t, c, envelope("events_api", "env-junk", json.RawMessage(`{"type":"event_callback","event":"x"}`), 0))
	expectAck(t, c, "env-junk")
	if rej, _ := obs.counts(); rej[reasonBadBody] != 1 {
		t.Errorf("observer told of %d bad bodies, want 1", rej[reasonBadBody])
	}
}
