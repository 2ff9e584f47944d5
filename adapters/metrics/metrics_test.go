package metrics

import (
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"alsbot/bot"
)

type fixed struct{ r bot.Reply }

func (f fixed) Ask(context.Context, bot.Question) bot.Reply { return f.r }
func (f fixed) Answer(string, string) (bot.Reply, bool)     { return f.r, true }
func (f fixed) Menu(string) bot.Reply                       { return f.r }
func (f fixed) Welcome(string) bot.Reply                    { return f.r }
func (f fixed) TextOnly(string) bot.Reply                   { return f.r }

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	b, _ := io.ReadAll(rec.Body)
	return string(b)
}

func TestScrapeShowsWhatHappened(t *testing.T) {
	m := New()
	a := m.Count(fixed{bot.Reply{Kind: bot.KindAnswer, Lang: "ja"}})
	for range 3 {
		a.Ask(context.Background(), bot.Question{Channel: "line"})
	}
	m.Count(fixed{bot.Reply{Kind: bot.KindSilent}}).Ask(context.Background(), bot.Question{Channel: "web"})
	m.Rejected("line", "signature")
	m.Rejected("line", "signature")
	m.Duplicate("slack")
	m.Limited("web")
	m.Reloaded(nil)
	m.Reloaded(errors.New("bad"))
	m.Reloaded(errors.New("bad"))

	out := scrape(t, m)
	for _, want := range []string{
		`alsbot_questions_total{channel="line",kind="answer",lang="ja"} 3`,
		`alsbot_questions_total{channel="web",kind="silent",lang="none"} 1`,
		`alsbot_reply_seconds_count{channel="line"} 3`,
		`alsbot_webhook_rejections_total{channel="line",reason="signature"} 2`,
		`alsbot_duplicate_events_total{channel="slack"} 1`,
		`alsbot_rate_limited_users_total{channel="web"} 1`,
		`alsbot_kb_reloads_total 1`,
		`alsbot_kb_reload_failures_total 2`,
		`process_resident_memory_bytes`,
		`go_goroutines`,
	} {
		if !strings.Contains(out, want+"\n") && !strings.Contains(out, want+" ") {
			t.Errorf("scrape lacks %q", want)
		}
	}
}

func TestRegistriesAreSeparate(t *testing.T) {
	a, b := New(), New()
	a.Duplicate("line")
	if strings.Contains(scrape(t, b), "alsbot_duplicate_events_total{") {
		t.Error("a count in one Metrics shows in another")
	}
}
