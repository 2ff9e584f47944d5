package handoff_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"alsbot/adapters/handoff"
	"alsbot/adapters/sqlite"
	"alsbot/bot"
	"alsbot/knowledge"
)

const patient = "U4af4980629a0b2c8d1e5f6a7b8c9d0e1"

// staff is the staff's channel, recorded.
type staff struct {
	mu      sync.Mutex
	opened  []handoff.Case
	shared  [][]handoff.Exchange
	posts   []string
	urgent  []bool
	remind  int
	closed  int
	failing bool
}

func (s *staff) Open(_ context.Context, c handoff.Case, shared []handoff.Exchange) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failing {
		return "", context.DeadlineExceeded
	}
	s.opened = append(s.opened, c)
	s.shared = append(s.shared, shared)
	return "1700000000.0001" + string(rune('0'+len(s.opened))), nil
}

func (s *staff) Post(_ context.Context, _ handoff.Case, m handoff.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.posts = append(s.posts, strings.TrimSpace(m.Note+"\n"+m.Patient))
	s.urgent = append(s.urgent, m.Urgent)
	return nil
}

func (s *staff) Remind(context.Context, handoff.Case, time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.remind++
	return nil
}

func (s *staff) Closed(context.Context, handoff.Case, string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed++
	return nil
}

// line is the patient's side, recorded.
type line struct {
	mu     sync.Mutex
	pushes []string
	keys   map[string]bool
}

func (l *line) Push(_ context.Context, user, text, key string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.keys == nil {
		l.keys = map[string]bool{}
	}
	if user != patient || l.keys[key] {
		return nil // LINE accepts a retry key once
	}
	l.keys[key] = true
	l.pushes = append(l.pushes, text)
	return nil
}

type rig struct {
	t     *testing.T
	desk  *handoff.Desk
	asker bot.Asker
	staff *staff
	line  *line
	store *sqlite.Cases
	now   time.Time
}

func newRig(t *testing.T, path string) *rig {
	t.Helper()
	kb, err := knowledge.LoadShipped()
	if err != nil {
		t.Fatal(err)
	}
	b, err := bot.New(kb)
	if err != nil {
		t.Fatal(err)
	}
	if path == "" {
		path = filepath.Join(t.TempDir(), "cases.db")
	}
	store, err := sqlite.OpenCases(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	r := &rig{t: t, staff: &staff{}, line: &line{}, store: store, now: time.Date(2026, 12, 1, 10, 0, 0, 0, time.FixedZone("JST", 9*3600))}
	clinic := kb.Clinic
	clinic.OfficeHours = &knowledge.OfficeHours{Days: []string{"mon", "tue", "wed", "thu", "fri"}, From: "09:00", To: "17:00"}
	r.desk, err = handoff.New(handoff.Config{Store: store, Staff: r.staff, Patient: r.line, Clinic: clinic, Salt: "salt", Now: func() time.Time { return r.now }})
	if err != nil {
		t.Fatal(err)
	}
	r.asker = bot.Chain(b, bot.SafetyFirst(b), r.desk.Middleware)
	return r
}

func (r *rig) say(text string) bot.Reply {
	return r.asker.Ask(context.Background(), bot.Question{Text: text, Channel: "line", User: patient, Conversation: "line:" + patient})
}

// TestHandoffWithConsent: a patient asks for a person, is told what
// would be shared and with whom, says yes, and the case reaches the
// staff with the recent messages and a pseudonym; their follow-up goes
// to the thread, not to the bot; a staff reply reaches them once, even
// when Slack delivers it twice; the staff close the case, and the bot
// answers again.
func TestHandoffWithConsent(t *testing.T) {
	r := newRig(t, "")
	first := r.say("ミューズ細胞の治験の結果は？")
	offer := r.say("スタッフと話したい")
	if offer.Rule != "handoff-offer" || !strings.Contains(offer.Text, "伝える内容") || !strings.Contains(offer.Text, "伝える相手") || len(offer.Suggestions) != 2 {
		t.Fatalf("the offer: %+v", offer)
	}
	if len(r.staff.opened) != 0 {
		t.Fatal("a case was opened before the patient said yes")
	}
	opened := r.say("はい")
	if len(r.staff.opened) != 1 || !strings.Contains(opened.Text, "スタッフにお伝えしました") {
		t.Fatalf("after yes: %d cases, reply %q", len(r.staff.opened), opened.Text)
	}
	c := r.staff.opened[0]
	if c.Pseudonym == "" || strings.Contains(c.Pseudonym, patient) {
		t.Errorf("pseudonym %q", c.Pseudonym)
	}
	shared := r.staff.shared[0]
	if len(shared) == 0 || shared[0].Question != "ミューズ細胞の治験の結果は？" || shared[0].Reply != first.Text {
		t.Errorf("shared %+v; want the earlier question and the bot's reply", shared)
	}

	if got := r.say("父の呼吸のことも相談したいです"); got.Kind != bot.KindSilent {
		t.Errorf("a follow-up during the case got a %s reply from the bot: %q", got.Kind, got.Text)
	}
	if len(r.staff.posts) != 1 || r.staff.posts[0] != "父の呼吸のことも相談したいです" {
		t.Errorf("the thread got %q", r.staff.posts)
	}

	thread := "1700000000.00011"
	for range 2 { // Slack delivers the same message twice
		if ok, err := r.desk.StaffReplied(context.Background(), thread, "1700000100.000200", "担当の看護師です。お電話します。"); !ok || err != nil {
			t.Fatalf("staff reply: %v %v", ok, err)
		}
	}
	if len(r.line.pushes) != 1 || !strings.Contains(r.line.pushes[0], "【クリニックのスタッフより】") || !strings.Contains(r.line.pushes[0], "お電話します") {
		t.Fatalf("pushes %q; want the staff's reply once, marked as from the staff", r.line.pushes)
	}

	if err := r.desk.CloseThread(context.Background(), thread, "UNURSE"); err != nil {
		t.Fatal(err)
	}
	if len(r.line.pushes) != 2 || !strings.Contains(r.line.pushes[1], "終わりました") {
		t.Errorf("after close, pushes %q", r.line.pushes)
	}
	if got := r.say("培養上清液とは？"); got.Kind != bot.KindAnswer {
		t.Errorf("after the case closed, the bot did not answer: %s", got.Kind)
	}
}

// TestNoMeansNothingShared: no, and anything but yes, share nothing.
func TestNoMeansNothingShared(t *testing.T) {
	r := newRig(t, "")
	r.say("スタッフと話したい")
	if got := r.say("いいえ"); !strings.Contains(got.Text, "何も伝えていません") {
		t.Errorf("after no: %q", got.Text)
	}
	r.say("スタッフと話したい")
	if got := r.say("培養上清液とは？"); got.Kind != bot.KindAnswer {
		t.Errorf("a question after the offer: %s, want it answered", got.Kind)
	}
	if got := r.say("はい"); len(r.staff.opened) != 0 {
		t.Errorf("a late yes opened a case: %q", got.Text)
	}
}

// TestEmergencyDuringACase: the 119 reply at once, and the thread is
// flagged.
func TestEmergencyDuringACase(t *testing.T) {
	r := newRig(t, "")
	r.say("スタッフと話したい")
	r.say("はい")
	got := r.say("父が息をしていない")
	if got.Rule != "emergency" || !got.Urgent {
		t.Fatalf("an emergency during a case got %s %q", got.Kind, got.Rule)
	}
	if len(r.staff.posts) != 1 || !r.staff.urgent[0] || !strings.Contains(r.staff.posts[0], "緊急") {
		t.Errorf("the thread got %q (urgent %v)", r.staff.posts, r.staff.urgent)
	}
}

// TestARestartKeepsTheCase: a new desk on the same store still relays
// the staff's reply.
func TestARestartKeepsTheCase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cases.db")
	r := newRig(t, path)
	r.say("スタッフと話したい")
	r.say("はい")
	r.store.Close()
	again := newRig(t, path)
	if ok, err := again.desk.StaffReplied(context.Background(), "1700000000.00011", "1700000200.000100", "お待たせしました"); !ok || err != nil {
		t.Fatalf("after a restart: %v %v", ok, err)
	}
	if len(again.line.pushes) != 1 {
		t.Errorf("after a restart, pushes %q", again.line.pushes)
	}
}

// TestTwoFallbacksOfferAPerson: a fallback carries "ask the staff", and a
// second fallback in a row offers a person.
func TestTwoFallbacksOfferAPerson(t *testing.T) {
	r := newRig(t, "")
	first := r.say("量子コンピューターの仕組みは？")
	if first.Kind != bot.KindFallback || first.Suggestions[len(first.Suggestions)-1].Label != "スタッフに相談" {
		t.Fatalf("the first fallback: %s, suggestions %+v", first.Kind, first.Suggestions)
	}
	if got := r.say("宇宙の始まりを教えて"); got.Rule != "handoff-offer" {
		t.Errorf("the second fallback in a row: %s %q, want the offer", got.Kind, got.Rule)
	}
}

// TestPatientClosesAndAfterHours: outside office hours the patient is
// told when staff will reply; "解決しました" closes the case.
func TestPatientClosesAndAfterHours(t *testing.T) {
	r := newRig(t, "")
	r.now = time.Date(2026, 12, 5, 20, 0, 0, 0, time.FixedZone("JST", 9*3600)) // a Saturday evening
	r.say("スタッフと話したい")
	if got := r.say("はい"); !strings.Contains(got.Text, "受付時間") || !strings.Contains(got.Text, "09:00") {
		t.Errorf("after hours: %q", got.Text)
	}
	if got := r.say("ありがとう、解決しました"); !strings.Contains(got.Text, "終わりました") || r.staff.closed != 1 {
		t.Errorf("closing: %q, %d closed", got.Text, r.staff.closed)
	}
}

// TestRemindersAndForgetting: an unanswered case is raised again after
// RemindAfter, and a closed case's user id is forgotten after the
// retention.
func TestRemindersAndForgetting(t *testing.T) {
	r := newRig(t, "")
	r.say("スタッフと話したい")
	r.say("はい")
	r.desk.Tick(context.Background())
	if r.staff.remind != 0 {
		t.Fatal("reminded at once")
	}
	r.now = r.now.Add(31 * time.Minute)
	r.desk.Tick(context.Background())
	r.desk.Tick(context.Background())
	if r.staff.remind != 1 {
		t.Errorf("%d reminders after 31 minutes, want 1", r.staff.remind)
	}
	r.desk.CloseThread(context.Background(), "1700000000.00011", "U1")
	r.now = r.now.Add(31 * 24 * time.Hour)
	r.desk.Tick(context.Background())
	if c, _, _ := r.store.ByThread(context.Background(), "1700000000.00011"); c.User != "" {
		t.Errorf("a month after closing, the user id %q is still kept", c.User)
	}
}
