package main

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
)

// The handoff end to end, through the real LINE and Slack SDK clients:
// LINE's Messaging API and Slack's Web API are fakes that record what
// they get, webhooks and Slack events are signed as the platforms sign
// them.

const (
	casesChannel = "C0CASES"
	handoffUser  = "U5b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e"
	slackSecret  = "slack-signing-secret-for-handoff"
)

// signedSlack posts body to path as Slack does, with contentType.
func signedSlack(t *testing.T, s *testServer, path, contentType, body string) int {
	t.Helper()
	code, _ := s.slackPostAs(t, slackSecret, path, contentType, body)
	return code
}

// staffWrites is a staff member's message in a thread of the cases
// channel, as the Events API delivers it.
func staffWrites(t *testing.T, s *testServer, eventID, thread, ts, text string) {
	t.Helper()
	body := fmt.Sprintf(`{"type":"event_callback","team_id":"T1","api_app_id":"A1","event_id":%q,"event_time":1700000000,
		"event":{"type":"message","channel":%q,"channel_type":"channel","user":"UNURSE","text":%q,"ts":%q,"thread_ts":%q}}`,
		eventID, casesChannel, text, ts, thread)
	if code := signedSlack(t, s, "/slack/events", "application/json", body); code != 200 {
		t.Fatalf("the Slack event got %d", code)
	}
}

func startHandoff(t *testing.T, stateDir string, ln *fakeLINE, sl *fakeSlack) *testServer {
	env := lineEnv(ln)
	env["SLACK_BOT_TOKEN"] = "xoxb-test-token"
	env["SLACK_SIGNING_SECRET"] = slackSecret
	env["SLACK_API_BASE"] = sl.srv.URL + "/api/"
	env["ALSBOT_HANDOFF_CHANNEL"] = casesChannel
	if stateDir != "" {
		env["ALSBOT_STATE_DIR"] = stateDir
	}
	return startServe(t, env, serveHooks{})
}

// TestHandoffEndToEnd: 「スタッフと話したい」 on LINE → what would be
// shared and with whom → はい → a case in the cases channel with no LINE
// user id in it → a staff reply in the thread → a push to the patient,
// once though Slack delivers it twice → the patient's follow-up in the
// thread → an emergency: 119 at once, and the thread flagged → Close →
// the patient is told. A restart in the middle loses nothing.
func TestHandoffEndToEnd(t *testing.T) {
	ln, sl := newFakeLINE(t), newFakeSlack(t)
	state := t.TempDir()
	s := startHandoff(t, state, ln, sl)
	eventually(t, "Slack ready", func() bool { code, _ := s.ready(t); return code == 200 })

	s.webhook(t, "01HO1", handoffUser, "tok-1", "スタッフと話したい", "")
	eventually(t, "the offer", func() bool { return strings.Contains(ln.repliedText("tok-1"), "伝える相手") })
	if posts, _ := sl.all(); len(posts) != 0 {
		t.Fatalf("%d Slack posts before the patient said yes", len(posts))
	}
	s.webhook(t, "01HO2", handoffUser, "tok-2", "はい", "")
	eventually(t, "the case posted", func() bool { p, _ := sl.all(); return len(p) == 1 })
	eventually(t, "the patient told", func() bool { return strings.Contains(ln.repliedText("tok-2"), "スタッフにお伝えしました") })
	posts, raw := sl.all()
	if posts[0].Get("channel") != casesChannel || !strings.Contains(posts[0].Get("blocks"), "スタッフと話したい") || !strings.Contains(posts[0].Get("blocks"), actionCaseClose()) {
		t.Errorf("the case post: %v", posts[0])
	}
	for _, r := range raw {
		if strings.Contains(r, handoffUser) {
			t.Fatalf("the LINE user id reached Slack: %s", r)
		}
	}
	thread := "1700000001.000100"

	// A restart: the case survives.
	s.stop()
	s = startHandoff(t, state, ln, sl)
	eventually(t, "Slack ready again", func() bool { code, _ := s.ready(t); return code == 200 })

	staffWrites(t, s, "Ev01", thread, "1700000500.000100", "看護師の山田です。明日お電話します。")
	staffWrites(t, s, "Ev01-again", thread, "1700000500.000100", "看護師の山田です。明日お電話します。") // Slack's retry, a new event id
	eventually(t, "the staff reply pushed", func() bool { return len(ln.pushed()) >= 1 })
	time.Sleep(300 * time.Millisecond)
	p := ln.pushed()
	if len(p) != 1 || p[0].to != handoffUser || p[0].key == "" || !strings.Contains(strings.Join(p[0].texts, ""), "【クリニックのスタッフより】") || !strings.Contains(strings.Join(p[0].texts, ""), "明日お電話します") {
		t.Fatalf("pushes %+v; want the staff reply once, to the patient, marked as from the staff, with a retry key", p)
	}

	s.webhook(t, "01HO3", handoffUser, "tok-3", "ありがとうございます。待っています", "")
	eventually(t, "the follow-up in the thread", func() bool {
		p, _ := sl.all()
		return len(p) >= 2 && p[len(p)-1].Get("thread_ts") == thread && strings.Contains(p[len(p)-1].Get("text"), "待っています")
	})
	if r := ln.repliedText("tok-3"); r != "" {
		t.Errorf("the bot answered a message meant for the staff: %q", r)
	}

	s.webhook(t, "01HO4", handoffUser, "tok-4", "父が息をしていない", "")
	eventually(t, "the 119 reply", func() bool { return strings.Contains(ln.repliedText("tok-4"), "119") })
	eventually(t, "the thread flagged", func() bool {
		p, _ := sl.all()
		last := p[len(p)-1]
		return last.Get("thread_ts") == thread && strings.Contains(last.Get("text"), "緊急") && last.Get("reply_broadcast") == "true"
	})

	// Close, from the button.
	payload := fmt.Sprintf(`{"type":"block_actions","trigger_id":"trig-1","user":{"id":"UNURSE"},"channel":{"id":%q},
		"container":{"type":"message","message_ts":%q,"channel_id":%q},"message":{"ts":%q},
		"actions":[{"type":"button","action_id":%q,"block_id":"als_case","value":"1"}]}`, casesChannel, thread, casesChannel, thread, actionCaseClose())
	if code := signedSlack(t, s, "/slack/interactions", "application/x-www-form-urlencoded", "payload="+url.QueryEscape(payload)); code != 200 {
		t.Fatalf("the Close click got %d", code)
	}
	eventually(t, "the patient told of the close", func() bool {
		p := ln.pushed()
		return len(p) == 2 && strings.Contains(strings.Join(p[1].texts, ""), "終わりました")
	})
	s.webhook(t, "01HO5", handoffUser, "tok-5", "培養上清液とは？", "")
	eventually(t, "the bot answering again", func() bool { return strings.Contains(ln.repliedText("tok-5"), "上清液") })
}

// TestHandoffNoSharesNothing: いいえ, and nothing is posted.
func TestHandoffNoSharesNothing(t *testing.T) {
	ln, sl := newFakeLINE(t), newFakeSlack(t)
	s := startHandoff(t, "", ln, sl)
	s.webhook(t, "01HN1", handoffUser, "tok-1", "担当の方につないでもらえますか", "")
	eventually(t, "the offer", func() bool { return strings.Contains(ln.repliedText("tok-1"), "伝える相手") })
	s.webhook(t, "01HN2", handoffUser, "tok-2", "いいえ", "")
	eventually(t, "the answer to no", func() bool { return strings.Contains(ln.repliedText("tok-2"), "何も伝えていません") })
	time.Sleep(200 * time.Millisecond)
	if p, _ := sl.all(); len(p) != 0 {
		t.Errorf("%d Slack posts after no", len(p))
	}
}

func actionCaseClose() string { return "als_case_close" }
