package bot

import (
	"context"
	"sync/atomic"
)

// Live is a bot that can be replaced while it serves, as when the
// knowledge base is reloaded. Each call uses the bot current when it
// starts, so a question in flight finishes on the version it began with.
type Live struct {
	cur atomic.Pointer[Bot]
}

// NewLive returns a Live serving b.
func NewLive(b *Bot) *Live {
	l := &Live{}
	l.cur.Store(b)
	return l
}

// Current returns the bot serving now.
func (l *Live) Current() *Bot { return l.cur.Load() }

// Swap makes b the bot for every call from now on.
func (l *Live) Swap(b *Bot) { l.cur.Store(b) }

// Ask replies to one message with the current bot.
func (l *Live) Ask(ctx context.Context, q Question) Reply { return l.Current().Ask(ctx, q) }

// Urgent reports whether the current bot finds q urgent.
func (l *Live) Urgent(q Question) bool { return l.Current().Urgent(q) }

// Screen screens q with the current bot.
func (l *Live) Screen(q Question) Question { return l.Current().Screen(q) }
