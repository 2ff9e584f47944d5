// Package bot understands questions about ALS therapies and replies from a
// knowledge base: safety and small-talk rules first, then retrieval with a
// confidence decision that answers, asks which topic was meant, or says
// honestly that it cannot answer.
//
// The bot knows nothing about chat platforms: it returns a Reply, and each
// adapter shows it in its own way.
package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"alsbot/knowledge"
)

// Thresholds is the confidence decision, calibrated on the question set in
// testdata (see the calibration test).
type Thresholds struct {
	// MinCoverage is the least share of a question's weight the best entry
	// must match to be answered (or offered as a choice).
	MinCoverage float64
	// MinScore is the least BM25 score of an answer.
	MinScore float64
	// ClarifyRatio: a runner-up scoring at least this share of the best
	// makes the bot ask which of them was meant.
	ClarifyRatio float64
	// SimilarityWeight is how much closeness to an example question adds
	// to an entry's score (a share of its BM25 score per unit of Jaccard).
	SimilarityWeight float64
	// SimilarityMargin: when the best entry's closest example question is
	// this much closer to the question than the runner-up's, the bot
	// answers instead of asking.
	SimilarityMargin float64

	// A long message (at least LongTerms telling words) is mostly
	// context: "my father was diagnosed last year, we read online …".
	// Its best entry is answered with less coverage (LongMinCoverage)
	// when the evidence for it is strong in itself (LongMinMatched, the
	// weight of the words it matched) and it leads the runner-up clearly
	// (the runner-up scores at most LongLeadRatio of it).
	LongTerms       int
	LongMinCoverage float64
	LongMinMatched  float64
	LongLeadRatio   float64
}

// DefaultThresholds are the calibrated thresholds.
var DefaultThresholds = Thresholds{
	MinCoverage: 0.6, MinScore: 3, ClarifyRatio: 0.85, SimilarityWeight: 2, SimilarityMargin: 0.15,
	LongTerms: 12, LongMinCoverage: 0.3, LongMinMatched: 6, LongLeadRatio: 0.75,
}

// Bot answers questions from one knowledge base. It is safe for
// concurrent use.
type Bot struct {
	kb       *knowledge.KB
	ix       *index
	rules    []rule
	offTopic phraseSet
	th       Thresholds
}

// Option configures a Bot.
type Option func(*Bot)

// WithThresholds sets the confidence decision.
func WithThresholds(t Thresholds) Option {
	return func(b *Bot) { b.th = t }
}

// New builds a bot over kb: it compiles the rules and indexes the entries.
func New(kb *knowledge.KB, opts ...Option) (*Bot, error) {
	rules, err := compileRules(kb)
	if err != nil {
		return nil, err
	}
	b := &Bot{kb: kb, rules: rules, th: DefaultThresholds}
	for _, w := range kb.OffTopic {
		b.offTopic.add(Normalize(w), 0, true)
	}
	for _, o := range opts {
		o(b)
	}
	b.ix = newIndex(kb, b.th.SimilarityWeight)
	return b, nil
}

// KB returns the knowledge base the bot answers from.
func (b *Bot) KB() *knowledge.KB { return b.kb }

// Question is one message to the bot.
type Question struct {
	Text string
	// Lang is the reply language when the message itself does not tell
	// (digits or emoji alone); "ja" when empty.
	Lang string
	// Channel names where the message came from ("line", "slack",
	// "web", "cli"), for metrics and records.
	Channel string
	// User identifies the sender on its channel, for per-user limits. It
	// is a platform id: never log it raw.
	User string
	// Conversation identifies the conversation the message belongs to
	// (channel and user, or channel and thread), so a follow-up can be
	// understood in context. Empty means the message stands alone.
	Conversation string
	// Entry, when set, is the id of an entry the user picked from the
	// choices or suggestions offered (a button or postback): the bot
	// answers it directly, and Text is only used for the language.
	Entry string
}

// Ask replies to one message. Safety rules come first; then the best
// matching entry is answered only when the match is confident.
func (b *Bot) Ask(ctx context.Context, q Question) Reply {
	def := q.Lang
	if def == "" {
		def = knowledge.JA
	}
	lang := Language(q.Text, def)
	if q.Entry != "" {
		if r, ok := b.Answer(q.Entry, lang); ok {
			return r
		}
		return b.fallback(lang, 0)
	}
	raw := appendNormalized(nil, q.Text, false)
	if len(raw) == 0 {
		return b.fallback(lang, 0)
	}
	read, romaji := b.ix.read(raw)
	if romaji && lang == knowledge.EN {
		lang = knowledge.JA // Japanese typed in Latin letters
	}
	// Rules see the message as typed and, when it was rewritten, as read:
	// "iki ga dekinai" is an emergency too.
	norm := string(foldKana(raw))
	alt := ""
	if !slices.Equal(read, raw) {
		alt = string(foldKana(read))
	}
	for i := range b.rules {
		if b.rules[i].matches(norm) || alt != "" && b.rules[i].matches(alt) {
			return b.ruleReply(&b.rules[i], lang, q.Text)
		}
	}
	if b.isOffTopic(norm) || alt != "" && b.isOffTopic(alt) {
		return b.fallback(lang, 0)
	}
	parsed := b.ix.parseRead(read)
	return b.decide(lang, b.long(parsed), b.ix.search(parsed, 4))
}

// Search returns up to k entries best matching text, best first, without
// rules or the confidence decision: for tools that explain the bot.
func (b *Bot) Search(text string, k int) []Match {
	return b.ix.search(b.ix.parse(text), k)
}

// isOffTopic reports whether the message names a subject the bot does not
// cover. Latin words match as word beginnings: parkinson, parkinsons.
func (b *Bot) isOffTopic(norm string) bool { return b.offTopic.any(norm) }

// confident reports whether m is good enough to answer or offer.
func (b *Bot) confident(m Match) bool {
	return m.Coverage >= b.th.MinCoverage && m.Score >= b.th.MinScore
}

// long reports whether a question is long enough that most of it may be
// context rather than the question itself.
func (b *Bot) long(q query) bool { return q.hardTerms() >= b.th.LongTerms }

// clearLead reports whether the best of the matches of a long question
// has strong evidence of its own and leads the runner-up clearly.
func (b *Bot) clearLead(ms []Match) bool {
	best := ms[0]
	if best.Coverage < b.th.LongMinCoverage || best.Matched < b.th.LongMinMatched || best.Score < b.th.MinScore {
		return false
	}
	return len(ms) == 1 || ms[1].Score <= best.Score*b.th.LongLeadRatio
}

// close reports whether the runner-up m is too close to the best match
// for the bot to choose between them.
func (b *Bot) close(best, m Match) bool {
	return m.Score >= best.Score*b.th.ClarifyRatio && b.confident(m) &&
		best.Similarity < m.Similarity+b.th.SimilarityMargin
}

// decide turns ranked matches into an answer, a choice or a fallback.
func (b *Bot) decide(lang string, long bool, ms []Match) Reply {
	if len(ms) > 0 && !b.confident(ms[0]) && long && b.clearLead(ms) {
		return b.answer(lang, ms[0].Entry, ms[0].Coverage)
	}
	if len(ms) == 0 || !b.confident(ms[0]) {
		score := 0.0
		if len(ms) > 0 {
			score = ms[0].Coverage
		}
		return b.fallback(lang, score)
	}
	close := ms[:1]
	for _, m := range ms[1:] {
		if b.close(ms[0], m) && len(close) < 3 {
			close = append(close, m)
		}
	}
	if len(close) > 1 {
		return b.clarify(lang, close)
	}
	return b.answer(lang, ms[0].Entry, ms[0].Coverage)
}

// Answer replies with the entry id directly, as when a user picks one of
// the choices offered. It reports false for an unknown id.
func (b *Bot) Answer(id, lang string) (Reply, bool) {
	e, ok := b.kb.Entry(id)
	if !ok {
		return Reply{}, false
	}
	return b.answer(lang, e, 1), true
}

func (b *Bot) answer(lang string, e *knowledge.Entry, score float64) Reply {
	r := b.reply(KindAnswer, lang)
	r.Text = e.Answer.In(lang)
	r.Entry = e.ID
	r.Score = round(score)
	r.Sources = b.sources(e, lang)
	r.Notice = b.kb.Messages.Disclaimer.In(lang)
	for _, id := range e.Related {
		if len(r.Suggestions) == 3 {
			break
		}
		if rel, ok := b.kb.Entry(id); ok {
			r.Suggestions = append(r.Suggestions, suggest(rel, lang))
		}
	}
	return r
}

func (b *Bot) clarify(lang string, ms []Match) Reply {
	r := b.reply(KindClarify, lang)
	r.Score = round(ms[0].Coverage)
	var text strings.Builder
	text.WriteString(b.kb.Messages.Clarify.In(lang))
	for i, m := range ms {
		fmt.Fprintf(&text, "\n%d. %s", i+1, m.Entry.Title.In(lang))
		r.Suggestions = append(r.Suggestions, suggest(m.Entry, lang))
	}
	r.Text = text.String()
	return r
}

func (b *Bot) fallback(lang string, score float64) Reply {
	r := b.reply(KindFallback, lang)
	r.Text = b.kb.Messages.Fallback.In(lang)
	r.Score = round(score)
	r.Suggestions = b.menu(lang)
	return r
}

func (b *Bot) ruleReply(ru *rule, lang, text string) Reply {
	r := b.reply(KindRule, lang)
	r.Rule = ru.ID
	r.Text = ru.Reply.In(lang)
	r.Score = 1
	switch ru.Then {
	case "menu":
		r.Suggestions = b.menu(lang)
	case "answer":
		// The facts may follow the rule's reply, but only when the
		// question clearly names a topic: never a guess.
		ms := b.Search(text, 4)
		if len(ms) > 0 && b.confident(ms[0]) && (len(ms) == 1 || !b.close(ms[0], ms[1])) {
			a := b.answer(lang, ms[0].Entry, ms[0].Coverage)
			r.Text += "\n\n" + a.Text
			r.Entry, r.Sources, r.Suggestions, r.Notice = a.Entry, a.Sources, a.Suggestions, a.Notice
		}
	}
	return r
}

// Menu is the topic menu: what the bot can answer, as suggestions.
func (b *Bot) Menu(lang string) Reply {
	r := b.reply(KindRule, lang)
	r.Rule = "menu"
	r.Text = b.kb.Messages.Menu.In(lang)
	r.Score = 1
	r.Suggestions = b.menu(lang)
	return r
}

// Welcome greets a new user: what the bot can answer, the disclaimer, and
// the topic menu.
func (b *Bot) Welcome(lang string) Reply {
	r := b.Menu(lang)
	r.Rule = "welcome"
	r.Text = b.kb.Messages.Welcome.In(lang)
	r.Notice = b.kb.Messages.Disclaimer.In(lang)
	return r
}

// TextOnly replies to a sticker, picture or other message the bot cannot
// read: it reads text only, and here is what it can answer.
func (b *Bot) TextOnly(lang string) Reply {
	r := b.Menu(lang)
	r.Rule = "text-only"
	r.Text = b.kb.Messages.TextOnly.In(lang)
	return r
}

func (b *Bot) reply(kind Kind, lang string) Reply {
	return Reply{Kind: kind, Lang: lang, Sources: []Source{}, Suggestions: []Suggestion{}}
}

func (b *Bot) menu(lang string) []Suggestion {
	out := []Suggestion{}
	for _, id := range b.kb.Menu {
		if e, ok := b.kb.Entry(id); ok {
			out = append(out, suggest(e, lang))
		}
	}
	return out
}

func (b *Bot) sources(e *knowledge.Entry, lang string) []Source {
	out := make([]Source, 0, len(e.Sources))
	for _, id := range e.Sources {
		s, ok := b.kb.Source(id)
		if !ok {
			continue
		}
		out = append(out, Source{ID: s.ID, Title: s.TitleIn(lang), Publisher: s.Publisher, Date: s.Date, URL: s.Link()})
	}
	return out
}

func suggest(e *knowledge.Entry, lang string) Suggestion {
	q := e.Title.In(lang)
	if qs := e.Questions.In(lang); len(qs) > 0 {
		q = qs[0]
	}
	return Suggestion{Label: e.Title.In(lang), Question: q, Entry: e.ID}
}

func round(f float64) float64 {
	return float64(int(f*1000+0.5)) / 1000
}

// Check asks the bot every example question of every entry and reports
// each one that is not answered with its own entry, as problems with the
// entry's file and line.
func (b *Bot) Check(ctx context.Context) error {
	var errs []error
	for _, e := range b.kb.Entries {
		for _, lang := range []string{knowledge.JA, knowledge.EN} {
			for _, q := range e.Questions.In(lang) {
				r := b.Ask(ctx, Question{Text: q, Lang: lang})
				if r.Kind == KindAnswer && r.Entry == e.ID {
					continue
				}
				got := string(r.Kind)
				switch r.Kind {
				case KindAnswer:
					got = "entry " + r.Entry
				case KindRule:
					got = "rule " + r.Rule
				case KindClarify:
					var ids []string
					for _, s := range r.Suggestions {
						ids = append(ids, s.Entry)
					}
					got = "a choice of " + strings.Join(ids, ", ")
				}
				errs = append(errs, &knowledge.Problem{Pos: e.Pos,
					Msg: fmt.Sprintf("entry %q: example question %q gets %s instead", e.ID, q, got)})
			}
		}
	}
	return errors.Join(errs...)
}
