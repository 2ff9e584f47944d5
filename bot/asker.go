package bot

import "context"

// Asker replies to questions. The bot is one, and so is every stage a
// server puts in front of it (panic guard, metrics, safety, rate limit,
// miss log): each takes the next Asker and is an Asker itself, so every
// kind of question, a welcome or a sticker as much as a typed message,
// passes through every stage.
type Asker interface {
	Ask(ctx context.Context, q Question) Reply
}

// AskerFunc is a function that is an Asker.
type AskerFunc func(ctx context.Context, q Question) Reply

// Ask calls f.
func (f AskerFunc) Ask(ctx context.Context, q Question) Reply { return f(ctx, q) }

// Middleware is a stage in front of an Asker.
type Middleware func(next Asker) Asker

// Chain returns a behind the stages, the first of them outermost: it
// sees each question first and each reply last.
func Chain(a Asker, stages ...Middleware) Asker {
	for i := len(stages) - 1; i >= 0; i-- {
		a = stages[i](a)
	}
	return a
}

// Screener tells the messages that must be answered whatever else is
// going on: an emergency or a crisis. Screen returns q marked Urgent when
// it is one, with what was read of it kept for the bot, which need not
// read it again. *Bot and *Live are Screeners.
type Screener interface {
	Screen(q Question) Question
}

// SafetyFirst is the stage that marks urgent questions (Question.Urgent)
// before any stage that may turn a question away: a rate limit lets an
// urgent question through, so that a relative who has typed a burst of
// short lines still gets the call-119 reply.
func SafetyFirst(s Screener) Middleware {
	return func(next Asker) Asker {
		return AskerFunc(func(ctx context.Context, q Question) Reply {
			return next.Ask(ctx, s.Screen(q))
		})
	}
}
