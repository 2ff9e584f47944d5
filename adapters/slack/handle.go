package slack

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"runtime/debug"
	"strings"
	"time"

	slackgo "github.com/slack-go/slack"

	"alsbot/bot"
)

// source says how a message reached the bot.
type source string

const (
	fromMention source = "mention" // app_mention in a channel
	fromDM      source = "dm"      // message.im
	fromCommand source = "command" // the /als slash command
	fromAction  source = "action"  // a click on a suggested question
	// A staff member's message in a thread of a channel (message.channels
	// or message.groups): a reply to a handed-over patient when the thread
	// is a case's, ignored otherwise.
	fromThread source = "thread"
	// A click on a case's Take or Close button.
	fromCaseButton source = "case-button"
)

// incoming is one message for the bot, whichever way it came: both
// connection modes turn Slack's payloads into this and hand it to accept.
type incoming struct {
	source  source
	eventID string // Events API event id; empty for commands and clicks
	// key de-duplicates what has no event id (a command or click
	// redelivered over Socket Mode): its trigger id.
	key     string
	retry   int // Slack's retry attempt, 0 for the first delivery
	channel string
	user    string
	text    string // question text, Slack markup already removed
	ts      string // the message's timestamp, for de-duplication
	// threadTS is the thread to answer in; empty answers at the top
	// level (a DM not in a thread).
	threadTS string
	// responseURL, when set, receives the answer as an ephemeral
	// message instead of chat.postMessage (commands, and clicks on
	// ephemeral messages).
	responseURL string
	entry       string // the entry a click asks for
	lang        string // the language of the clicked suggestions
	// menu asks for the topic menu and how to ask (/als alone, or a bare
	// mention); textOnly for a DM with a file but no text.
	menu, textOnly bool
	// caseAction is what a case button asks: take or close.
	caseAction string
	received   time.Time
}

// accepted is what happened to a message offered to the adapter.
type accepted int

const (
	queued     accepted = iota // will be answered
	overloaded                 // the queue is full or the adapter closed
)

// accept queues in for the workers without blocking: a conversation's
// messages on one queue, so that they are answered in order.
func (a *Adapter) accept(in incoming) accepted {
	if a.pool.Submit(a.pool.Queue(conversation(in)), in, 0) {
		return queued
	}
	a.obs.Rejected(channelName, reasonOverloaded)
	if !a.pool.Closed() {
		a.log.Warn("slack: queue full, message refused", "event_id", in.eventID, "channel", in.channel, "source", string(in.source))
	}
	return overloaded
}

// handle answers one message; a panic is logged and the worker goes on.
func (a *Adapter) handle(in incoming) {
	defer func() {
		if p := recover(); p != nil {
			a.log.Error("slack: panic while answering", "event_id", in.eventID, "channel", in.channel, "source", string(in.source), "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		}
	}()
	ctx, cancel := context.WithTimeout(a.workCtx, answerTimeout)
	defer cancel()
	start := time.Now()
	if !a.claim(ctx, in) {
		a.obs.Duplicate(channelName)
		a.log.Info("slack: duplicate ignored", "event_id", in.eventID, "channel", in.channel, "source", string(in.source), "retry", in.retry)
		return
	}
	if in.source == fromThread || in.source == fromCaseButton {
		a.handleCase(ctx, in)
		return
	}
	r := a.reply(ctx, in)
	asked := time.Now()
	attrs := []any{
		"event_id", in.eventID, "channel", in.channel, "source", string(in.source),
		"retry", in.retry, "kind", string(r.Kind), "entry", r.Entry, "rule", r.Rule,
		"queue_ms", ms(start.Sub(in.received)), "ask_ms", ms(asked.Sub(start)),
	}
	if r.Kind == bot.KindSilent {
		a.log.Info("slack: nothing to send", attrs...)
		return
	}
	err := a.post(ctx, in, r)
	attrs = append(attrs, "post_ms", ms(time.Since(asked)), "total_ms", ms(time.Since(in.received)))
	if err != nil {
		a.log.Error("slack: reply not delivered", append(attrs, "err", err)...)
		if isAuthError(err) {
			a.failed(fmt.Errorf("slack: Slack refused SLACK_BOT_TOKEN while answering (%v): %w; check the token and reinstall the app if it was revoked", err, ErrAuth))
		}
		return
	}
	a.log.Info("slack: answered", attrs...)
}

// claim reports whether in is new. Events are remembered by event id and
// by channel and message timestamp, since Slack may resend one message
// under a new event id, and the same message may arrive both as a
// mention and as a direct message. A store that fails lets the message
// through: a rare double answer is better than none.
func (a *Adapter) claim(ctx context.Context, in incoming) bool {
	var keys []string
	if in.eventID != "" {
		keys = append(keys, "slack:event:"+in.eventID)
	}
	if in.ts != "" {
		keys = append(keys, "slack:msg:"+in.channel+":"+in.ts)
	}
	if in.key != "" {
		keys = append(keys, "slack:trigger:"+in.key)
	}
	fresh := true
	for _, k := range keys {
		ok, err := a.dedup.Claim(ctx, k)
		if err != nil {
			a.log.Warn("slack: de-duplication store failed", "event_id", in.eventID, "err", err)
			continue
		}
		// Claim every key even after a repeat, so a resend under a new
		// event id also marks that id as seen.
		fresh = fresh && ok
	}
	return fresh
}

// reply asks the bot about in.
func (a *Adapter) reply(ctx context.Context, in incoming) bot.Reply {
	q := bot.Question{
		Text:         in.text,
		Lang:         defaultLang,
		Channel:      channelName,
		User:         in.user,
		Conversation: conversation(in),
	}
	switch {
	case in.menu:
		q.Kind = bot.AskMenu
		r := a.ask.Ask(ctx, q)
		if r.Kind != bot.KindSilent {
			r.Text = strings.TrimSpace(r.Text + "\n\n" + howToAsk(r.Lang))
		}
		return r
	case in.textOnly:
		q.Kind = bot.AskTextOnly
	case in.entry != "":
		q.Entry = in.entry
		if in.lang != "" {
			q.Lang = in.lang
		}
	}
	return a.ask.Ask(ctx, q)
}

// defaultLang is the reply language when the text does not tell: staff
// write English or Japanese, and the bot recognises Japanese itself.
const defaultLang = "en"

// conversation keys follow-ups: a channel thread, or a user's DM or
// slash commands in a channel.
func conversation(in incoming) string {
	if in.source == fromMention || (in.threadTS != "" && in.responseURL == "" && !isDM(in.channel)) {
		return "slack:" + in.channel + ":" + in.threadTS
	}
	return "slack:" + in.channel + ":" + in.user
}

// isDM reports whether a channel id is a direct-message channel.
func isDM(channel string) bool { return strings.HasPrefix(channel, "D") }

// post sends r where in asks for it.
func (a *Adapter) post(ctx context.Context, in incoming, r bot.Reply) error {
	m := render(r)
	opts := []slackgo.MsgOption{
		slackgo.MsgOptionText(m.text, false),
		slackgo.MsgOptionBlocks(m.blocks...),
		slackgo.MsgOptionDisableLinkUnfurl(),
		slackgo.MsgOptionDisableMediaUnfurl(),
	}
	if in.responseURL != "" {
		opts = append(opts, slackgo.MsgOptionResponseURL(in.responseURL, slackgo.ResponseTypeEphemeral))
	} else if in.threadTS != "" {
		opts = append(opts, slackgo.MsgOptionTS(in.threadTS))
	}
	attempts, err := a.deliver(ctx, in, opts)
	if err != nil {
		return fmt.Errorf("posting the reply (%d attempts): %w", attempts, withoutURL(err))
	}
	return nil
}

// withoutURL drops the address from a failed HTTP call's error: a
// response URL lets anyone holding it post to the user for half an hour,
// so it is not written to logs.
func withoutURL(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	host := "?"
	if u, perr := url.Parse(ue.URL); perr == nil {
		host = u.Host
	}
	return fmt.Errorf("%s to %s: %w", ue.Op, host, ue.Err)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
