package server

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"alsbot/adapters/userid"
	"alsbot/bot"
)

// Guarded is an Asker that logs every reply and survives a panic in the
// bot. Adapters answer events in goroutines of their own, out of reach of
// the HTTP panic recovery: a panic in the bot must still not take the
// process down, and the user still gets a reply.
type Guarded struct {
	next   bot.Asker
	logger *slog.Logger
	salt   string
}

var _ bot.Asker = (*Guarded)(nil)

// Guard returns next guarded. User ids and conversations are logged as
// pseudonyms keyed with salt; message text is never logged.
func Guard(next bot.Asker, logger *slog.Logger, salt string) *Guarded {
	return &Guarded{next: next, logger: logger, salt: salt}
}

// GuardStage is Guard as a stage of a chain (see bot.Chain).
func GuardStage(logger *slog.Logger, salt string) bot.Middleware {
	return func(next bot.Asker) bot.Asker { return Guard(next, logger, salt) }
}

// Ask asks the wrapped bot and logs what it replied (kind, entry, rule,
// language, score, time), not what was asked. If the bot panics, the
// panic is logged and the user gets the bot's fallback reply.
func (g *Guarded) Ask(ctx context.Context, q bot.Question) (r bot.Reply) {
	start := time.Now()
	defer func() {
		if v := recover(); v != nil {
			g.logger.Error("panic answering a question", "channel", q.Channel,
				"user", userid.Hash(g.salt, q.User), "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			r = g.fallback(ctx, q)
		}
		g.logger.LogAttrs(ctx, slog.LevelInfo, "reply",
			slog.String("channel", q.Channel),
			slog.String("user", userid.Hash(g.salt, q.User)),
			slog.String("conversation", userid.Hash(g.salt, q.Conversation)),
			slog.String("asked", string(q.Kind)),
			slog.String("kind", string(r.Kind)),
			slog.String("entry", r.Entry),
			slog.String("rule", r.Rule),
			slog.String("reason", r.Reason),
			slog.String("lang", r.Lang),
			slog.Float64("score", r.Score),
			slog.Float64("ms", float64(time.Since(start).Microseconds())/1000))
	}()
	return g.next.Ask(ctx, q)
}

// fallback is the bot's reply to an empty message (its "I cannot answer
// that, here is what I can" reply), or a fixed apology if even that fails.
func (g *Guarded) fallback(ctx context.Context, q bot.Question) (r bot.Reply) {
	lang := q.Lang
	if lang == "" {
		lang = "ja"
	}
	lang = bot.Language(q.Text, lang)
	defer func() {
		if recover() != nil {
			r = bot.Reply{Kind: bot.KindFallback, Lang: lang, Text: "申し訳ありません。ただいまお答えできません。時間をおいてもう一度お試しください。"}
			if lang == "en" {
				r.Text = "Sorry, I cannot answer right now. Please try again later."
			}
		}
	}()
	return g.next.Ask(ctx, bot.Question{Lang: lang, Channel: q.Channel})
}
