package line

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/google/uuid"
	"github.com/line/line-bot-sdk-go/v8/linebot/webhook"

	"alsbot/adapters/outbox"
	"alsbot/adapters/userid"
	"alsbot/bot"
)

// action is what an event asks of the bot.
type action int

const (
	actAsk      action = iota + 1 // a question, typed or picked
	actWelcome                    // a new friend
	actTextOnly                   // a sticker, picture or other non-text message
)

// incoming is an event the adapter answers, reduced to what answering
// needs.
type incoming struct {
	id         string
	what       string // for logs: text, postback, follow, sticker, image…
	act        action
	q          bot.Question
	replyToken string
	// to is where a push goes: the user, group or room.
	to         string
	oneToOne   bool
	redelivery bool
}

// classify decides whether ev is answered, and how. destination is the
// bot's own user id, from the webhook body. Events the bot does not answer
// (unknown types, groups where it is not mentioned, standby mode) give
// false.
func classify(destination string, ev webhook.EventInterface) (incoming, bool) {
	var (
		in    incoming
		src   webhook.SourceInterface
		mode  webhook.EventMode
		deliv *webhook.DeliveryContext
	)
	switch e := ev.(type) {
	case webhook.MessageEvent:
		in.id, in.replyToken, src, mode, deliv = e.WebhookEventId, e.ReplyToken, e.Source, e.Mode, e.DeliveryContext
		if !in.fromSource(src) {
			return in, false
		}
		switch m := e.Message.(type) {
		case webhook.TextMessageContent:
			text := m.Text
			if !in.oneToOne {
				var ok bool
				if text, ok = addressed(m, destination); !ok {
					return in, false
				}
			}
			in.what, in.act, in.q.Text = "text", actAsk, text
		case webhook.StickerMessageContent, webhook.ImageMessageContent, webhook.VideoMessageContent,
			webhook.AudioMessageContent, webhook.FileMessageContent, webhook.LocationMessageContent:
			if !in.oneToOne {
				return in, false // nobody in a group asked the bot anything
			}
			in.what, in.act = m.GetType(), actTextOnly
		default:
			return in, false
		}
	case webhook.FollowEvent:
		in.id, in.replyToken, src, mode, deliv = e.WebhookEventId, e.ReplyToken, e.Source, e.Mode, e.DeliveryContext
		if !in.fromSource(src) {
			return in, false
		}
		in.what, in.act = "follow", actWelcome
	case webhook.PostbackEvent:
		in.id, in.replyToken, src, mode, deliv = e.WebhookEventId, e.ReplyToken, e.Source, e.Mode, e.DeliveryContext
		if !in.fromSource(src) || e.Postback == nil {
			return in, false
		}
		in.what, in.act = "postback", actAsk
		pb := postbackQuestion(e.Postback.Data)
		in.q.Entry, in.q.Text, in.q.Lang, in.q.Kind, in.q.Rule = pb.Entry, pb.Text, pb.Lang, pb.Kind, pb.Rule
	default:
		return in, false
	}
	if mode == webhook.EventMode_STANDBY {
		// Another channel (a module) has the chat: the bot keeps quiet.
		return in, false
	}
	in.redelivery = deliv != nil && deliv.IsRedelivery
	in.q.Channel = Channel
	if in.q.Lang == "" {
		in.q.Lang = "ja"
	}
	return in, true
}

// fromSource fills in who sent the event and where a reply goes. An
// unknown source is not answered.
func (in *incoming) fromSource(src webhook.SourceInterface) bool {
	switch s := src.(type) {
	case webhook.UserSource:
		in.q.User, in.to, in.oneToOne = s.UserId, s.UserId, true
	case webhook.GroupSource:
		in.q.User, in.to = s.UserId, s.GroupId
	case webhook.RoomSource:
		in.q.User, in.to = s.UserId, s.RoomId
	default:
		return false
	}
	if in.to == "" {
		return false
	}
	in.q.Conversation = Channel + ":" + in.to
	return true
}

// addressed reports whether a group message mentions the bot (self is the
// bot's user id), and returns its text without the bot's mentions.
// Mention positions count UTF-16 code units, as LINE's clients do.
func addressed(m webhook.TextMessageContent, self string) (string, bool) {
	if m.Mention == nil {
		return "", false
	}
	type span struct{ from, to int }
	var spans []span
	for _, mi := range m.Mention.Mentionees {
		u, ok := mi.(webhook.UserMentionee)
		if !ok || !(u.IsSelf || (self != "" && u.UserId == self)) {
			continue
		}
		spans = append(spans, span{int(u.Index), int(u.Index) + int(u.Length)})
	}
	if len(spans) == 0 {
		return "", false
	}
	units := utf16.Encode([]rune(m.Text))
	sort.Slice(spans, func(i, j int) bool { return spans[i].from < spans[j].from })
	var kept []uint16
	at := 0
	for _, s := range spans {
		if s.from < at || s.to <= s.from || s.to > len(units) || splitsPair(units, s.from) || splitsPair(units, s.to) {
			continue // overlapping or out of range: leave that text as it is
		}
		kept = append(kept, units[at:s.from]...)
		at = s.to
	}
	kept = append(kept, units[at:]...)
	return strings.TrimSpace(string(utf16.Decode(kept))), true
}

// splitsPair reports whether cutting units at i would split a surrogate
// pair.
func splitsPair(units []uint16, i int) bool {
	return i > 0 && i < len(units) && isLow(units[i]) && isHigh(units[i-1])
}

func isHigh(u uint16) bool { return u >= 0xD800 && u < 0xDC00 }

func isLow(u uint16) bool { return u >= 0xDC00 && u < 0xE000 }

// postbackData is the data of a button that answers an entry.
func postbackData(entry, lang string) string {
	v := url.Values{"entry": {entry}}
	if lang != "" {
		v.Set("lang", lang)
	}
	return v.Encode()
}

// postbackQuestion reads a postback: entry=<id> answers an entry,
// q=<text> asks a question, ask=menu or ask=about asks for the topic menu
// or what the bot is, rule=<id> for a rule's reply (the rich menu's
// buttons), and anything else is taken as question text (a rich menu set
// up in the console may send plain words).
func postbackQuestion(data string) bot.Question {
	v, err := url.ParseQuery(data)
	if err != nil || !v.Has("entry") && !v.Has("q") && !v.Has("ask") && !v.Has("rule") {
		return bot.Question{Text: data}
	}
	q := bot.Question{Entry: strings.TrimSpace(v.Get("entry")), Text: v.Get("q"), Lang: v.Get("lang")}
	if q.Lang != "ja" && q.Lang != "en" {
		q.Lang = ""
	}
	switch {
	case v.Get("ask") == string(bot.AskMenu) || v.Get("ask") == string(bot.AskAbout):
		q.Kind = bot.QuestionKind(v.Get("ask"))
	case v.Has("rule"):
		q.Kind, q.Rule = bot.AskRule, strings.TrimSpace(v.Get("rule"))
	}
	return q
}

// handleSafely decodes and answers one event; a panic is logged, and the
// worker goes on with the next event. The outbox learns the outcome: an
// event answered, or needing no answer, is done; one whose answer could
// not be delivered stays pending, and its claim is released, so that LINE's
// redelivery or the next start answers it.
func (h *Handler) handleSafely(ctx context.Context, j job, raw json.RawMessage) {
	var ev webhook.EventInterface
	out := outcomeFailed
	defer func() {
		if v := recover(); v != nil {
			// The panic value may quote a patient's message: log its type
			// (and a runtime error's own text), never the value itself.
			what := fmt.Sprintf("%T", v)
			if re, ok := v.(runtime.Error); ok {
				what = re.Error()
			}
			h.log.Error("line event handler panicked", "event", eventID(ev), "panic", what, "stack", string(debug.Stack()))
		}
		h.settle(ev, out)
	}()
	ev, err := webhook.UnmarshalEvent(raw)
	if err != nil {
		// The error may quote the event: log its size only.
		h.obs.Rejected(Channel, "bad-body")
		h.log.Error("line event unreadable", "bytes", len(raw))
		out = outcomeNone
		return
	}
	out = h.handle(ctx, j, ev)
}

// outcome is what became of an event.
type outcome int

const (
	outcomeNone      outcome = iota + 1 // nothing to send (ignored, a duplicate, silent)
	outcomeDelivered                    // the answer reached LINE
	outcomeFailed                       // the answer could not be delivered
	outcomeUnsure                       // it may have been delivered: never sent again
	outcomeTakenOver                    // another replica answers it: left alone
)

// settle tells the outbox and the claims what became of ev.
func (h *Handler) settle(ev webhook.EventInterface, out outcome) {
	id := eventID(ev)
	h.held.Delete(id)
	if id == "" || out == outcomeTakenOver {
		return
	}
	ctx := context.WithoutCancel(h.ctx)
	if out == outcomeFailed {
		if err := h.dedup.Release(ctx, Channel+":"+id); err != nil {
			h.log.Warn("line dedup release failed", "event", id, "err", err)
		}
		return // pending in the outbox
	}
	if h.outbox != nil {
		if err := h.outbox.Done(ctx, Channel, id); err != nil {
			h.log.Warn("line outbox: could not mark an event done", "event", id, "err", err)
		}
	}
}

// replyTokenLife is how long a reply token is taken to be valid: LINE
// gives about a minute.
const replyTokenLife = 50 * time.Second

// handle answers one event, once.
func (h *Handler) handle(ctx context.Context, j job, ev webhook.EventInterface) outcome {
	in, ok := classify(j.destination, ev)
	if !ok {
		h.log.Debug("line event ignored", "event", eventID(ev), "type", ev.GetType())
		return outcomeNone
	}
	user := userid.Hash(h.salt, in.q.User)
	if l, ok := h.outbox.(outbox.Leaser); ok && in.id != "" {
		if mine, err := l.Renew(ctx, Channel, in.id); err != nil {
			h.log.Warn("line outbox lease not renewed; answering anyway", "event", in.id, "err", err)
		} else if !mine {
			h.log.Info("line event taken over by another replica", "event", in.id)
			return outcomeTakenOver
		}
	}
	if in.id != "" {
		first, err := h.dedup.Claim(ctx, Channel+":"+in.id)
		if err != nil {
			// Answering twice is better than a patient left without an
			// answer when the shared store is down.
			h.log.Error("line dedup store failed; answering anyway", "event", in.id, "err", err)
		} else if !first {
			h.obs.Duplicate(Channel)
			h.log.Info("line event already answered", "event", in.id, "user", user, "redelivery", in.redelivery)
			return outcomeNone
		}
	}
	opts := sendOptions{retryKey: retryKey(in.id)}
	if _, ok := h.unsure.Load(in.id); ok {
		// A reply to it may have gone out already (its last try got a
		// 5xx): if LINE now refuses the token, that reply was ours.
		opts.noPushAfterReply = true
	}
	if j.resumed {
		young := time.Since(j.received) < replyTokenLife
		switch {
		case j.attempted && !young:
			// An answer was on its way when the process stopped, and
			// its token has expired since: it may have arrived.
			h.log.Warn("line event resumed after an answer of unknown outcome: not sent again", "event", in.id, "user", user)
			return outcomeUnsure
		case j.attempted:
			opts.noPushAfterReply = true // a rejected token was ours, used
		case !young:
			in.replyToken = "" // expired: push
		}
	}
	start := time.Now()
	var loading *loadingTimer
	if in.oneToOne && in.act == actAsk {
		loading = h.startLoading(ctx, in, j.received)
	}
	q := in.q
	switch in.act {
	case actWelcome:
		q.Kind = bot.AskWelcome
	case actTextOnly:
		q.Kind = bot.AskTextOnly
	}
	r := h.ask.Ask(ctx, q)
	asked := time.Now()
	attrs := []any{"event", in.id, "user", user, "what", in.what, "kind", string(r.Kind),
		"entry", r.Entry, "rule", r.Rule, "redelivery", in.redelivery, "resumed", j.resumed}
	if r.Kind == bot.KindSilent {
		loading.stop()
		h.log.Info("line event answered", append(attrs, "via", "none")...)
		return outcomeNone
	}
	msgs := render(r)
	if loading.stop() {
		attrs = append(attrs, "loading", true)
	}
	if l, ok := h.outbox.(outbox.Leaser); ok && in.id != "" {
		// Once more, right before sending: a slow answer may have
		// outlived the lease, and another replica taken the event over.
		if mine, err := l.Renew(ctx, Channel, in.id); err == nil && !mine {
			h.log.Info("line event taken over by another replica while it was being answered", "event", in.id)
			return outcomeTakenOver
		}
	}
	if h.outbox != nil && in.id != "" {
		if err := h.outbox.Attempting(ctx, Channel, in.id); err != nil {
			h.log.Warn("line outbox: could not record an attempt", "event", in.id, "err", err)
		}
	}
	sent, err := h.api.send(ctx, in.replyToken, in.to, msgs, opts)
	done := time.Now()
	attrs = append(attrs, "via", sent.via, "attempts", sent.attempts, "messages", len(msgs),
		"ask_ms", ms(asked.Sub(start)), "send_ms", ms(done.Sub(asked)), "total_ms", ms(done.Sub(j.received)))
	if err != nil {
		h.log.Error("line reply failed", append(attrs, "err", err)...)
		if sent.maybeDelivered && in.id != "" {
			h.unsure.Store(in.id, struct{}{})
		}
		return outcomeFailed
	}
	h.unsure.Delete(in.id)
	h.log.Info("line event answered", attrs...)
	return outcomeDelivered
}

// retryKey is the push retry key of an event: the same for every try,
// across restarts, so that LINE accepts a push of it once.
func retryKey(eventID string) string {
	if eventID == "" {
		return uuid.NewString()
	}
	return uuid.NewSHA1(retryKeySpace, []byte(eventID)).String()
}

// retryKeySpace is the UUID namespace of push retry keys.
var retryKeySpace = uuid.MustParse("9c3b7e52-5f0a-4b8e-a6d1-0e7f2c4d9a31")

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// eventID returns the webhook event id of the events the adapter knows.
func eventID(ev webhook.EventInterface) string {
	switch e := ev.(type) {
	case webhook.MessageEvent:
		return e.WebhookEventId
	case webhook.FollowEvent:
		return e.WebhookEventId
	case webhook.PostbackEvent:
		return e.WebhookEventId
	case webhook.UnfollowEvent:
		return e.WebhookEventId
	case webhook.JoinEvent:
		return e.WebhookEventId
	}
	return ""
}

// loadingTimer shows the loading animation if an answer is not on its way
// within Config.LoadingAfter of the webhook's arrival. LINE clears the
// animation when the answer arrives; an answer sent at once needs none,
// and the call would only delay it by a round trip.
type loadingTimer struct {
	t     *time.Timer
	done  chan struct{} // closed when the animation call has returned
	shown bool          // shown at once, before asking
}

// startLoading starts the timer for event in, received at received. An
// event that already waited that long in the queue gets the animation at
// once, before the bot is asked.
func (h *Handler) startLoading(ctx context.Context, in incoming, received time.Time) *loadingTimer {
	lt := &loadingTimer{done: make(chan struct{})}
	show := func() {
		defer close(lt.done)
		// On the timer's own goroutine, out of reach of the worker's
		// recovery: a panic here must not take the process down.
		defer func() {
			if v := recover(); v != nil {
				h.log.Error("line loading animation panicked", "event", in.id, "panic", fmt.Sprintf("%T", v))
			}
		}()
		if err := h.api.loading(ctx, in.to); err != nil {
			h.log.Warn("line loading animation failed", "event", in.id, "err", err)
		}
	}
	wait := h.loadingAfter - time.Since(received)
	if wait <= 0 {
		show()
		lt.shown = true
		return lt
	}
	lt.t = time.AfterFunc(wait, show)
	return lt
}

// stop cancels the animation before the answer is sent, and reports
// whether it was shown. If the call has started, stop waits for it: an
// animation started after the answer would linger with nothing to wait
// for.
func (lt *loadingTimer) stop() bool {
	if lt == nil {
		return false
	}
	if lt.shown {
		return true
	}
	if lt.t.Stop() {
		return false
	}
	<-lt.done
	return true
}
