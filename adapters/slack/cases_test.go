package slack

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"alsbot/adapters/handoff"
)

// TestCasePostsEscapeThePatient: a patient's words in a case's thread
// cannot mention the channel or link anywhere; the bot's note keeps its
// markup, and an urgent post goes to the channel too.
func TestCasePostsEscapeThePatient(t *testing.T) {
	var mu sync.Mutex
	var posts []url.Values
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(body))
		mu.Lock()
		posts = append(posts, form)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true,"channel":"C1","ts":"1700000001.000100"}`)
	}))
	defer srv.Close()
	ch, err := NewCaseChannel(Config{BotToken: "xoxb-test", APIBase: srv.URL}, "C1")
	if err != nil {
		t.Fatal(err)
	}
	c := handoff.Case{ID: 3, Thread: "1700000000.000100"}
	if err := ch.Post(context.Background(), c, handoff.Message{Note: ":rotating_light: <@UNURSE>", Patient: "<!channel> 父が<https://x.example|ここ>", Urgent: true}); err != nil {
		t.Fatal(err)
	}
	got := posts[0]
	text := got.Get("text")
	if strings.Contains(text, "<!channel>") || strings.Contains(text, "<https://") || !strings.Contains(text, "&lt;!channel&gt;") {
		t.Errorf("the patient's markup reached Slack: %q", text)
	}
	if !strings.Contains(text, "<@UNURSE>") {
		t.Errorf("the bot's note lost its mention: %q", text)
	}
	if got.Get("thread_ts") != c.Thread || got.Get("reply_broadcast") != "true" {
		t.Errorf("posted %v; want in the thread, sent to the channel too", got)
	}
}
