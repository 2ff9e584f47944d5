// Package handoff hands a patient on LINE to the clinic's staff in Slack,
// with consent: the bot answers what its sources answer, and offers a
// person for the rest.
//
// The Desk is a stage of the bot's middleware (after the safety rules)
// for LINE messages. It offers a person when the patient asks for one, on
// a second fallback in a row, or when they tap "スタッフに相談"; it asks
// before sharing anything, says what it will share and with whom, and
// shares nothing without yes. A case is then posted to the staff's
// channel (Staff) with a pseudonym, never the LINE user id. While the case
// is open the patient's messages go to its thread, the bot no longer
// answers on its own (safety rules still do: an emergency gets 119 at
// once, and the thread is flagged), and each staff reply in the thread is
// pushed to the patient (Patient), once, with a retry key. Close, from
// the staff's button or the patient's "解決しました", tells the patient,
// and the bot takes over again.
//
// Cases persist in a Store; the raw LINE user id, which a push needs, is
// kept only there, and deleted once a case has been closed for the
// retention period.
package handoff

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"alsbot/adapters/userid"
	"alsbot/bot"
	"alsbot/knowledge"
)

// Case is one patient handed to the staff.
type Case struct {
	ID int64
	// User is the patient's LINE user id, for the pushes: kept only in
	// the store, never posted or logged. Pseudonym stands for it.
	User, Pseudonym string
	Lang            string
	// Thread is the staff channel's thread of the case.
	Thread string
	// Status is open or closed.
	Status   Status
	Opened   time.Time
	Answered time.Time // first staff reply; zero before
	Reminded time.Time // last reminder; zero before
	Closed   time.Time
	// TakenBy is the staff member who took the case (their Slack id).
	TakenBy string
}

// Status is a case's state.
type Status string

// Case states.
const (
	Open   Status = "open"
	Closed Status = "closed"
)

// Store keeps cases. Relayed records a staff message relayed to the
// patient, reporting false when it already was (Slack's retries).
type Store interface {
	Create(ctx context.Context, c Case) (Case, error)
	OpenByUser(ctx context.Context, user string) (Case, bool, error)
	ByThread(ctx context.Context, thread string) (Case, bool, error)
	Update(ctx context.Context, c Case) error
	Relayed(ctx context.Context, caseID int64, message string) (bool, error)
	// Waiting lists open cases with no staff reply yet.
	Waiting(ctx context.Context) ([]Case, error)
	// Forget deletes the user ids of cases closed before t.
	Forget(ctx context.Context, t time.Time) (int64, error)
	// Offer records that user was offered a person, until the offer
	// lapses; TakeOffer reports whether an offer stands, and withdraws
	// it. Shared, so that a yes reaching another replica counts.
	Offer(ctx context.Context, user string, until time.Time) error
	TakeOffer(ctx context.Context, user string, now time.Time) (bool, error)
}

// Exchange is one message of the patient and the bot's reply to it.
type Exchange struct {
	Question, Reply string
}

// Staff is the staff's side: the Slack channel of cases.
type Staff interface {
	// Open posts a new case with what the patient agreed to share, and
	// returns its thread.
	Open(ctx context.Context, c Case, shared []Exchange) (thread string, err error)
	// Post writes in the case's thread.
	Post(ctx context.Context, c Case, m Message) error
	// Remind raises a case nobody has answered in the channel again.
	Remind(ctx context.Context, c Case, waiting time.Duration) error
	// Closed marks the case closed in its thread.
	Closed(ctx context.Context, c Case, by string) error
}

// Message is one post in a case's thread: the bot's note (the staff
// channel's markup, written here) and the patient's words (passed on as
// they are, never as markup); Urgent flags an emergency.
type Message struct {
	Note, Patient string
	Urgent        bool
}

// Patient is the patient's side: a push on LINE. key is the push's retry
// key: the same message pushed twice with it arrives once.
type Patient interface {
	Push(ctx context.Context, user, text, key string) error
}

// Observer counts cases, for metrics.
type Observer interface {
	CaseOpened()
	CaseClosed()
	FirstStaffReply(after time.Duration)
	CasesWaiting(n int)
}

// Config configures a Desk.
type Config struct {
	Store   Store
	Staff   Staff
	Patient Patient
	// Clinic is the clinic's profile: its name, and its office hours.
	Clinic knowledge.Clinic
	// Salt keys the pseudonyms.
	Salt string
	// RemindAfter: a case unanswered this long is raised again (default
	// 30 minutes), and again after as long.
	RemindAfter time.Duration
	// Retention: a closed case's LINE user id is deleted this long after
	// it closed (default 30 days).
	Retention time.Duration
	Logger    *slog.Logger
	Observer  Observer
	Now       func() time.Time
}

// Defaults.
const (
	DefaultRemindAfter = 30 * time.Minute
	DefaultRetention   = 30 * 24 * time.Hour
	// shareLast is how many recent exchanges a case shares.
	shareLast = 5
	// consentFor is how long an offer waits for yes or no.
	consentFor = 10 * time.Minute
	// recentFor is how long recent exchanges are kept in memory for an
	// offer.
	recentFor = 30 * time.Minute
)

// Desk hands patients over. It is safe for concurrent use.
type Desk struct {
	cfg Config
	mu  sync.Mutex
	// per LINE user, in memory only (messages are never stored): what an
	// offer would share. With replicas, a yes shares what the replica
	// that receives it saw.
	chats map[string]*chat
	// sweepAt is when stale chats are next forgotten.
	sweepAt time.Time
}

type chat struct {
	recent    []Exchange
	fallbacks int // fallbacks in a row
	seen      time.Time
}

// New returns a desk.
func New(cfg Config) (*Desk, error) {
	if cfg.Store == nil || cfg.Staff == nil || cfg.Patient == nil {
		return nil, errors.New("handoff: a store, the staff's channel and the patient's side are all needed")
	}
	if cfg.RemindAfter <= 0 {
		cfg.RemindAfter = DefaultRemindAfter
	}
	if cfg.Retention <= 0 {
		cfg.Retention = DefaultRetention
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Observer == nil {
		cfg.Observer = noObserver{}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Desk{cfg: cfg, chats: map[string]*chat{}}, nil
}

// Middleware is the desk as a stage of the bot's chain, for LINE
// messages; it goes after the safety rules, so that an urgent message is
// marked before it gets here.
func (d *Desk) Middleware(next bot.Asker) bot.Asker {
	return bot.AskerFunc(func(ctx context.Context, q bot.Question) bot.Reply { return d.ask(ctx, next, q) })
}

// ask is one LINE message through the desk.
func (d *Desk) ask(ctx context.Context, next bot.Asker, q bot.Question) bot.Reply {
	if q.Channel != "line" || q.User == "" || q.Kind != bot.AskMessage && q.Kind != bot.AskRule {
		return next.Ask(ctx, q)
	}
	lang := q.Lang
	if lang == "" {
		lang = knowledge.JA
	}
	if q.Text != "" {
		lang = bot.Language(q.Text, lang)
	}
	c, open, err := d.cfg.Store.OpenByUser(ctx, q.User)
	if err != nil {
		d.cfg.Logger.Error("handoff: reading cases", "err", err)
		return next.Ask(ctx, q) // the bot answers rather than nobody
	}
	if open {
		return d.inCase(ctx, next, q, c)
	}
	now := d.cfg.Now()
	offered, err := d.cfg.Store.TakeOffer(ctx, q.User, now)
	if err != nil {
		d.cfg.Logger.Error("handoff: reading offers", "err", err) // no offer: nothing is shared
	}
	d.mu.Lock()
	ch := d.chat(q.User, now)
	shared := slices.Clone(ch.recent)
	d.mu.Unlock()
	if offered && !q.Urgent {
		switch answer(q.Text) {
		case yes:
			return d.open(ctx, q, lang, shared)
		case no:
			return d.text(lang, msgDeclined)
		}
		// Anything else is not consent: nothing is shared, and the
		// message is answered as any other.
	}
	r := next.Ask(ctx, q)
	d.mu.Lock()
	defer d.mu.Unlock()
	ch = d.chat(q.User, now)
	if q.Text != "" && r.Kind != bot.KindSilent {
		ch.recent = append(ch.recent, Exchange{Question: q.Text, Reply: r.Text})
		if len(ch.recent) > shareLast {
			ch.recent = ch.recent[len(ch.recent)-shareLast:]
		}
	}
	if r.Kind == bot.KindFallback {
		ch.fallbacks++
	} else {
		ch.fallbacks = 0
	}
	switch {
	case r.Urgent:
		return r // an emergency or a crisis is answered as it is
	case r.Rule == "human" || ch.fallbacks >= 2:
		ch.fallbacks = 0
		if err := d.cfg.Store.Offer(ctx, q.User, now.Add(consentFor)); err != nil {
			d.cfg.Logger.Error("handoff: the offer could not be recorded; answering as before", "err", err)
			return r
		}
		offer := d.offer(r, lang)
		if n := len(ch.recent); n > 0 && ch.recent[n-1].Question == q.Text {
			ch.recent[n-1].Reply = offer.Text // what the patient saw
		}
		return offer
	case r.Kind == bot.KindFallback:
		r.Suggestions = append(slices.Clone(r.Suggestions), askStaff(lang))
	}
	return r
}

// chat returns the user's chat state, forgetting what is stale. d.mu is
// held.
func (d *Desk) chat(user string, now time.Time) *chat {
	ch := d.chats[user]
	if ch == nil || now.Sub(ch.seen) > recentFor {
		ch = &chat{}
		d.chats[user] = ch
	}
	ch.seen = now
	if now.After(d.sweepAt) {
		for u, c := range d.chats {
			if now.Sub(c.seen) > recentFor {
				delete(d.chats, u)
			}
		}
		d.sweepAt = now.Add(time.Minute)
	}
	return ch
}

// offer turns the bot's reply into the offer of a person: what would be
// shared, with whom, and a yes or no.
func (d *Desk) offer(r bot.Reply, lang string) bot.Reply {
	out := bot.Reply{Kind: bot.KindRule, Rule: "handoff-offer", Lang: lang, Score: 1, Sources: []bot.Source{}}
	out.Text = d.fill(msgOffer.in(lang), lang)
	out.Suggestions = []bot.Suggestion{
		{Label: msgYes.in(lang), Question: msgYes.in(lang)},
		{Label: msgNo.in(lang), Question: msgNo.in(lang)},
	}
	return out
}

// open opens a case with what the patient agreed to share.
func (d *Desk) open(ctx context.Context, q bot.Question, lang string, shared []Exchange) bot.Reply {
	now := d.cfg.Now()
	c, err := d.cfg.Store.Create(ctx, Case{User: q.User, Pseudonym: pseudonym(d.cfg.Salt, q.User), Lang: lang, Status: Open, Opened: now})
	if err == nil {
		c.Thread, err = d.cfg.Staff.Open(ctx, c, shared)
		if err == nil {
			err = d.cfg.Store.Update(ctx, c)
		}
	}
	if err != nil {
		d.cfg.Logger.Error("handoff: the case could not be opened", "case", c.ID, "err", err)
		if c.ID != 0 {
			c.Status, c.Closed = Closed, now
			d.cfg.Store.Update(ctx, c)
		}
		return d.text(lang, msgFailed)
	}
	d.cfg.Observer.CaseOpened()
	d.cfg.Logger.Info("handoff: case opened", "case", c.ID, "patient", c.Pseudonym, "lang", lang, "shared", len(shared))
	d.mu.Lock()
	delete(d.chats, q.User)
	d.mu.Unlock()
	text := msgOpened.in(lang)
	if !d.cfg.Clinic.OfficeHours.Open(now) {
		text += "\n\n" + d.fill(msgAfterHours.in(lang), lang)
	}
	return d.textOf(lang, d.fill(text, lang))
}

// inCase handles a patient's message while their case is open.
func (d *Desk) inCase(ctx context.Context, next bot.Asker, q bot.Question, c Case) bot.Reply {
	lang := c.Lang
	if q.Urgent {
		// Safety first: the bot's 119 reply at once, and the staff are
		// told.
		r := next.Ask(ctx, q)
		said := q.Text
		if said == "" {
			said = msgUrgentButton.in(knowledge.JA) // the rich menu's 緊急のとき
		}
		if err := d.cfg.Staff.Post(ctx, c, Message{Note: msgUrgentNote.in(knowledge.JA), Patient: said, Urgent: true}); err != nil {
			d.cfg.Logger.Error("handoff: the emergency could not be flagged in the thread", "case", c.ID, "err", err)
		}
		return r
	}
	if q.Text != "" && resolved.MatchString(bot.Normalize(q.Text)) {
		d.close(ctx, c, "patient")
		return d.text(lang, msgClosedPatient)
	}
	text := q.Text
	if text == "" {
		text = msgNoText.in(knowledge.JA)
	}
	if err := d.cfg.Staff.Post(ctx, c, Message{Patient: text}); err != nil {
		d.cfg.Logger.Error("handoff: a patient's message could not reach the thread", "case", c.ID, "err", err)
		return d.text(lang, msgNotPassed)
	}
	return bot.Reply{Kind: bot.KindSilent, Lang: lang, Sources: []bot.Source{}, Suggestions: []bot.Suggestion{}}
}

// StaffReplied relays a staff member's message in a case's thread to the
// patient, once: message identifies it (its Slack timestamp), so that
// Slack's retries push nothing twice. It reports false when the thread
// is no open case.
func (d *Desk) StaffReplied(ctx context.Context, thread, message, text string) (bool, error) {
	c, ok, err := d.cfg.Store.ByThread(ctx, thread)
	if err != nil || !ok || c.Status != Open || c.User == "" {
		return false, err
	}
	fresh, err := d.cfg.Store.Relayed(ctx, c.ID, message)
	if err != nil || !fresh {
		return true, err
	}
	push := d.fill(msgFromStaff.in(c.Lang), c.Lang) + "\n" + text
	if err := d.cfg.Patient.Push(ctx, c.User, push, retryKey(thread, message)); err != nil {
		return true, fmt.Errorf("handoff: pushing the staff's reply of case %d: %w", c.ID, err)
	}
	if c.Answered.IsZero() {
		c.Answered = d.cfg.Now()
		d.cfg.Observer.FirstStaffReply(c.Answered.Sub(c.Opened))
		if err := d.cfg.Store.Update(ctx, c); err != nil {
			return true, err
		}
	}
	d.cfg.Logger.Info("handoff: staff reply relayed", "case", c.ID)
	return true, nil
}

// Take records who took the case.
func (d *Desk) Take(ctx context.Context, thread, staff string) error {
	c, ok, err := d.cfg.Store.ByThread(ctx, thread)
	if err != nil || !ok || c.Status != Open {
		return err
	}
	c.TakenBy = staff
	if err := d.cfg.Store.Update(ctx, c); err != nil {
		return err
	}
	return d.cfg.Staff.Post(ctx, c, Message{Note: "<@" + staff + "> が担当します / is taking this case."})
}

// CloseThread closes the case of a thread, from the staff's side.
func (d *Desk) CloseThread(ctx context.Context, thread, staff string) error {
	c, ok, err := d.cfg.Store.ByThread(ctx, thread)
	if err != nil || !ok || c.Status != Open {
		return err
	}
	if err := d.close(ctx, c, staff); err != nil {
		return err
	}
	return d.cfg.Patient.Push(ctx, c.User, d.fill(msgClosedStaff.in(c.Lang), c.Lang), retryKey(thread, "closed"))
}

func (d *Desk) close(ctx context.Context, c Case, by string) error {
	c.Status, c.Closed = Closed, d.cfg.Now()
	if err := d.cfg.Store.Update(ctx, c); err != nil {
		d.cfg.Logger.Error("handoff: closing a case", "case", c.ID, "err", err)
		return err
	}
	d.cfg.Observer.CaseClosed()
	d.cfg.Logger.Info("handoff: case closed", "case", c.ID, "by_staff", by != "patient")
	if err := d.cfg.Staff.Closed(ctx, c, by); err != nil {
		d.cfg.Logger.Error("handoff: the thread was not told the case closed", "case", c.ID, "err", err)
	}
	return nil
}

// Tick raises again the cases nobody has answered, and forgets the user
// ids of cases closed long enough ago. Run calls it every minute.
func (d *Desk) Tick(ctx context.Context) {
	now := d.cfg.Now()
	waiting, err := d.cfg.Store.Waiting(ctx)
	if err != nil {
		d.cfg.Logger.Error("handoff: listing waiting cases", "err", err)
		return
	}
	d.cfg.Observer.CasesWaiting(len(waiting))
	for _, c := range waiting {
		last := c.Opened
		if c.Reminded.After(last) {
			last = c.Reminded
		}
		if now.Sub(last) < d.cfg.RemindAfter {
			continue
		}
		if err := d.cfg.Staff.Remind(ctx, c, now.Sub(c.Opened)); err != nil {
			d.cfg.Logger.Error("handoff: reminder not posted", "case", c.ID, "err", err)
			continue
		}
		c.Reminded = now
		d.cfg.Store.Update(ctx, c)
	}
	if n, err := d.cfg.Store.Forget(ctx, now.Add(-d.cfg.Retention)); err != nil {
		d.cfg.Logger.Error("handoff: forgetting closed cases' user ids", "err", err)
	} else if n > 0 {
		d.cfg.Logger.Info("handoff: user ids of closed cases deleted", "cases", n)
	}
}

// Run calls Tick every minute until ctx ends.
func (d *Desk) Run(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		d.Tick(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (d *Desk) fill(s, lang string) string {
	s = strings.ReplaceAll(s, "{clinic}", d.cfg.Clinic.Contact(lang))
	return strings.ReplaceAll(s, "{hours}", hoursText(d.cfg.Clinic.OfficeHours, lang))
}

func (d *Desk) text(lang string, m text) bot.Reply { return d.textOf(lang, d.fill(m.in(lang), lang)) }

func (d *Desk) textOf(lang, s string) bot.Reply {
	return bot.Reply{Kind: bot.KindRule, Rule: "handoff", Lang: lang, Text: s, Score: 1, Sources: []bot.Source{}, Suggestions: []bot.Suggestion{}}
}

// pseudonym stands for a LINE user in the staff's channel.
func pseudonym(salt, user string) string { return "patient-" + userid.Hash(salt, user)[:8] }

// retryKey is a UUID made from the thread and the message: every try of
// one push carries the same key.
func retryKey(thread, message string) string {
	h := sha256.Sum256([]byte("alsbot-handoff\x00" + thread + "\x00" + message))
	h[6] = h[6]&0x0f | 0x40 // version 4 layout, as LINE asks for a UUID
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

type consent int

const (
	other consent = iota
	yes
	no
)

var (
	yesRE    = regexp.MustCompile(`^(はい|ハイ|はいお願いします|はい おねがいします|お願いします|おねがいします|いいです|いいよ|どうぞ|ok|okay|yes|yes please|sure|y)$`)
	noRE     = regexp.MustCompile(`^(いいえ|いえ|いや|やめます|やめて|けっこうです|結構です|だいじょうぶです|大丈夫です|no|no thanks|nope|n)$`)
	resolved = regexp.MustCompile(`(解決しました|かいけつしました|解決した|かいけつした|解決です|もう大丈夫です|resolved|sorted now|thats all thanks|problem solved)`)
)

func answer(text string) consent {
	n := strings.TrimSpace(bot.Normalize(text))
	switch {
	case yesRE.MatchString(n):
		return yes
	case noRE.MatchString(n):
		return no
	}
	return other
}

// askStaff is the "ask the staff" button a fallback carries.
func askStaff(lang string) bot.Suggestion {
	return bot.Suggestion{Label: msgAskStaff.in(lang), Question: msgAskStaffQ.in(lang)}
}

func hoursText(h *knowledge.OfficeHours, lang string) string {
	if h == nil {
		return map[string]string{knowledge.JA: "受付時間", knowledge.EN: "opening hours"}[lang]
	}
	names := map[string][2]string{"mon": {"月", "Mon"}, "tue": {"火", "Tue"}, "wed": {"水", "Wed"}, "thu": {"木", "Thu"}, "fri": {"金", "Fri"}, "sat": {"土", "Sat"}, "sun": {"日", "Sun"}}
	var days []string
	for _, d := range h.Days {
		n := names[d]
		if lang == knowledge.JA {
			days = append(days, n[0])
		} else {
			days = append(days, n[1])
		}
	}
	if lang == knowledge.JA {
		return strings.Join(days, "・") + "曜 " + h.From + "〜" + h.To
	}
	return strings.Join(days, ", ") + " " + h.From + "–" + h.To + " (Japan time)"
}

type noObserver struct{}

func (noObserver) CaseOpened()                   {}
func (noObserver) CaseClosed()                   {}
func (noObserver) FirstStaffReply(time.Duration) {}
func (noObserver) CasesWaiting(int)              {}
