package gaps

import "time"

// Kinds of reply a miss records.
const (
	KindFallback = "fallback"
	KindClarify  = "clarify"
)

// Miss is one question the bot could not answer, and what it replied.
type Miss struct {
	Time    time.Time
	Channel string // line, slack, web, cli
	Lang    string // ja, en
	// Question is the message. A store masks it before storing; read
	// back, it is the masked text.
	Question string
	// User is the sender's platform id. A store keeps only its salted
	// pseudonym; read back, it is the pseudonym.
	User string
	// Kind is what the bot replied: KindFallback or KindClarify.
	Kind string
	// Entry is the entry the reply was closest to, if the bot named one.
	Entry string
	// Choices are the entries offered, for a clarifying reply.
	Choices []string
	// Score is the bot's confidence in its best match, from 0 to 1.
	Score float64
}
