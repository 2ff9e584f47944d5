// Package gaps shows maintainers the gaps in the knowledge base: it
// records every question the bot answered with the fallback or a
// clarifying choice (a wrapper around the bot that the server puts in
// front of it), and groups the recorded questions by similarity, largest
// group first, each with the entry it came closest to: what to write next.
//
// The records themselves are kept by alsbot/adapters/sqlite, which masks
// and pseudonymises them; this package only decides what to record.
package gaps

import (
	"context"
	"log/slog"
	"time"

	"alsbot/bot"
)

var _ bot.Asker = (*Recorder)(nil)

// Store keeps misses; *misses.Store is one.
type Store interface {
	Record(ctx context.Context, m Miss) error
}

// Recorder is a Bot that records the questions the bot it wraps could not
// answer. Replies pass through unchanged.
type Recorder struct {
	next  bot.Asker
	store Store
	log   *slog.Logger
	now   func() time.Time
}

// NewRecorder wraps b so that every fallback and clarifying reply to a
// typed question is recorded in store. A nil store records nothing (the
// off switch); a nil log discards. A failure to record is logged, without
// the question, and never changes the reply.
func NewRecorder(b bot.Asker, store Store, log *slog.Logger) *Recorder {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Recorder{next: b, store: store, log: log, now: time.Now}
}

// Ask asks the wrapped bot and records the reply when it is a fallback or
// a clarifying choice. A button the user pressed (Question.Entry) is not a
// question and is not recorded.
func (r *Recorder) Ask(ctx context.Context, q bot.Question) bot.Reply {
	reply := r.next.Ask(ctx, q)
	if r.store == nil || q.Entry != "" || q.Kind != bot.AskMessage || (reply.Kind != bot.KindFallback && reply.Kind != bot.KindClarify) {
		return reply
	}
	m := Miss{
		Time: r.now(), Channel: q.Channel, Lang: reply.Lang, Question: q.Text, User: q.User,
		Kind: string(reply.Kind), Entry: reply.Entry, Score: reply.Score,
	}
	if reply.Kind == bot.KindClarify {
		for _, s := range reply.Suggestions {
			m.Choices = append(m.Choices, s.Entry)
		}
	}
	if err := r.store.Record(ctx, m); err != nil {
		r.log.WarnContext(ctx, "recording an unanswered question failed", "channel", q.Channel, "kind", m.Kind, "err", err)
	}
	return reply
}
