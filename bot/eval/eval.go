// Package eval measures the bot on a question set, the way a maintainer
// needs to see it before changing the knowledge base or the confidence
// settings: how often the right entry is answered, per language; how often
// out-of-scope questions are refused; whether the safety rules fire; which
// entries are taken for which; and how accuracy and refusal trade off as
// the thresholds move.
//
// The question set is a YAML list of {q, want, also, lang}: want is an
// entry id, "fallback" (the bot must refuse), "rule:ID" (a rule must
// fire) or "none" (no rule may fire: a question on the rules' words that
// asks for information); also lists entries that are as right; lang, when given, overrides
// the language read from the text.
package eval

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"alsbot/bot"
	"alsbot/knowledge"
)

// Question is one question of a question set, with what the bot should do.
type Question struct {
	Q string `yaml:"q" json:"q"`
	// Want is an entry id, "fallback", "rule:ID" or "none".
	Want string `yaml:"want" json:"want"`
	// Also lists other entries that are as right an answer.
	Also []string `yaml:"also,omitempty" json:"also,omitempty"`
	// Lang is "ja" or "en"; empty means read from the text.
	Lang string `yaml:"lang,omitempty" json:"lang,omitempty"`
	// ReplyLang, when set, is the language the reply must be in: the
	// message asks for it ("in English please: …", 「日本語で」).
	ReplyLang string `yaml:"reply_lang,omitempty" json:"reply_lang,omitempty"`
	// Line is where the question is in its file.
	Line int `yaml:"-" json:"line,omitempty"`
}

// Groups of questions.
const (
	InScope    = "in-scope"
	OutOfScope = "out-of-scope"
	// Fallback is the want of an out-of-scope question.
	Fallback = "fallback"
	// RulePrefix starts the want of a question a rule must catch.
	RulePrefix = "rule:"
	// NoRule is the want of a question that shares the words of a
	// safety rule but asks for information ("what did the trial find
	// about breathing?"): no rule may fire; any answer, a clarifying
	// question or a refusal is right. Such questions are counted as false
	// alarms when a rule fires, and nowhere else.
	NoRule = "none"
)

// Group says which group q belongs to: InScope, OutOfScope or "rule:ID".
func (q Question) Group() string {
	switch {
	case q.Want == Fallback:
		return OutOfScope
	case strings.HasPrefix(q.Want, RulePrefix), q.Want == NoRule:
		return q.Want
	}
	return InScope
}

// Right reports whether outcome (see Outcome) is what q wants.
func (q Question) Right(outcome string) bool {
	if q.Want == NoRule {
		return !strings.HasPrefix(outcome, RulePrefix)
	}
	if outcome == q.Want {
		return true
	}
	for _, a := range q.Also {
		if a == outcome {
			return true
		}
	}
	return false
}

// language is the language q is scored under.
func (q Question) language() string {
	if q.Lang != "" {
		return q.Lang
	}
	return bot.Language(q.Q, knowledge.JA)
}

// WrongLanguage marks an outcome in another language than the question
// asked for: "trial-str03 in ja".
const WrongLanguage = " in "

// Outcome says what the bot did with a question, in the terms of the
// question set: an entry id, "fallback", "clarify", "silent" or "rule:ID".
func Outcome(r bot.Reply) string {
	switch r.Kind {
	case bot.KindAnswer:
		return r.Entry
	case bot.KindRule:
		return RulePrefix + r.Rule
	}
	return string(r.Kind)
}

// ReadQuestions parses a question set strictly (an unknown key is an
// error, so that a misspelt "wnat" is not silently ignored) and checks
// that every question has a text and a want; problems name their line.
func ReadQuestions(r io.Reader) ([]Question, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("reading the question set: %w", err)
	}
	var qs []Question
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&qs); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("question set: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err == nil && len(doc.Content) > 0 {
		for i, n := range doc.Content[0].Content {
			if i < len(qs) {
				qs[i].Line = n.Line
			}
		}
	}
	var problems []error
	for _, q := range qs {
		switch {
		case strings.TrimSpace(q.Q) == "":
			problems = append(problems, fmt.Errorf("line %d: a question with no text (q)", q.Line))
		case q.Want == "":
			problems = append(problems, fmt.Errorf("line %d: %q says nothing about what it wants (want)", q.Line, q.Q))
		case q.Lang != "" && q.Lang != knowledge.JA && q.Lang != knowledge.EN:
			problems = append(problems, fmt.Errorf("line %d: lang %q is not ja or en", q.Line, q.Lang))
		case q.ReplyLang != "" && q.ReplyLang != knowledge.JA && q.ReplyLang != knowledge.EN:
			problems = append(problems, fmt.Errorf("line %d: reply_lang %q is not ja or en", q.Line, q.ReplyLang))
		}
	}
	return qs, errors.Join(problems...)
}

// CheckWants reports every want or also of qs that names an entry or
// rule kb does not have, so a renamed entry cannot pass unnoticed.
func CheckWants(kb *knowledge.KB, qs []Question) error {
	rules := map[string]bool{}
	for _, r := range kb.Rules {
		rules[r.ID] = true
	}
	var problems []error
	for _, q := range qs {
		for _, w := range append([]string{q.Want}, q.Also...) {
			switch {
			case w == Fallback, w == NoRule:
			case strings.HasPrefix(w, RulePrefix):
				if !rules[strings.TrimPrefix(w, RulePrefix)] {
					problems = append(problems, fmt.Errorf("line %d: %q wants %s, which is no rule", q.Line, q.Q, w))
				}
			default:
				if _, ok := kb.Entry(w); !ok {
					problems = append(problems, fmt.Errorf("line %d: %q wants %s, which is no entry", q.Line, q.Q, w))
				}
			}
		}
	}
	return errors.Join(problems...)
}

// Options configure a run.
type Options struct {
	// Thresholds are the confidence settings evaluated; the zero value
	// means bot.DefaultThresholds.
	Thresholds bot.Thresholds
	// Sweep lists the settings of the threshold sweep; nil means
	// DefaultSweep around Thresholds, empty (non-nil) means no sweep.
	Sweep []bot.Thresholds
	// Depth is how far down the ranking a right entry is looked for, for
	// the mean reciprocal rank; 0 means 10.
	Depth int
}

// DefaultSweep varies the least coverage and the clarify ratio of base,
// the two settings that trade answering against refusing, then, at base's
// own two, the least coverage of an entry the facets choose within ALS in
// general.
func DefaultSweep(base bot.Thresholds) []bot.Thresholds {
	var out []bot.Thresholds
	for _, cov := range []float64{0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.8} {
		for _, ratio := range []float64{0.75, 0.85, 0.95} {
			t := base
			t.MinCoverage, t.ClarifyRatio = cov, ratio
			out = append(out, t)
		}
	}
	for _, facet := range []float64{0.1, 0.15, 0.25, 0.3, 0.4} {
		if facet != base.FacetMinCoverage {
			t := base
			t.FacetMinCoverage = facet
			out = append(out, t)
		}
	}
	return out
}

// Report is the result of a run.
type Report struct {
	Questions  int            `json:"questions"`
	Thresholds bot.Thresholds `json:"thresholds"`
	// Languages scores in-scope and out-of-scope questions per language,
	// then for all languages together (Lang "all").
	Languages []LangScore `json:"languages"`
	// Rules counts, per rule, the questions it had to catch and caught.
	Rules []RuleScore `json:"rules"`
	// FalseAlarms are questions that wanted no rule but tripped one.
	FalseAlarms []Result `json:"false_alarms"`
	// Right is the share of all questions, of every group, whose outcome
	// is what they want.
	Right float64 `json:"right"`
	// WrongAnswers are the questions answered with an entry they do not
	// want: a confident wrong answer, the worst outcome.
	WrongAnswers []Result `json:"wrong_answers"`
	// Confusions are the wrong outcomes, grouped by what was wanted and
	// what was got, most frequent first.
	Confusions []Confusion `json:"confusions"`
	// Sweep shows accuracy and refusal at other settings.
	Sweep []SweepPoint `json:"sweep"`
}

// LangScore scores the questions of one language.
type LangScore struct {
	Lang string `json:"lang"`
	// InScope is the number of in-scope questions.
	InScope int `json:"in_scope"`
	// Top1 is the share of in-scope questions answered with the right
	// entry: what a user sees.
	Top1 float64 `json:"top1"`
	// Top3 is the share whose right entry was answered or is among the
	// first three entries of the ranking: reachable with a better
	// decision or one more example question.
	Top3 float64 `json:"top3"`
	// MRR is the mean reciprocal rank of the right entry in the ranking
	// (0 when it is not in the first Depth).
	MRR float64 `json:"mrr"`
	// RankedFirst is the share whose right entry the ranking puts first,
	// whatever the confidence decision then did with it.
	RankedFirst float64 `json:"ranked_first"`
	// Clarified and Refused are the shares of in-scope questions that got
	// a choice or the fallback instead of an answer.
	Clarified float64 `json:"clarified"`
	Refused   float64 `json:"refused"`
	// OutOfScope is the number of out-of-scope questions, and Refusal the
	// share of them the bot refused.
	OutOfScope int     `json:"out_of_scope"`
	Refusal    float64 `json:"refusal"`
}

// RuleScore counts one rule's questions.
type RuleScore struct {
	Rule   string   `json:"rule"`
	Total  int      `json:"total"`
	Caught int      `json:"caught"`
	Missed []Result `json:"missed,omitempty"`
}

// Rate is the share of the rule's questions it caught.
func (r RuleScore) Rate() float64 { return rate(r.Caught, r.Total) }

// Result is what happened to one question.
type Result struct {
	Question Question `json:"question"`
	Got      string   `json:"got"`
	// Rule is the rule whose reply came first, when one fired (the
	// answer may follow it: then Got is the entry).
	Rule  string  `json:"rule,omitempty"`
	Score float64 `json:"score"`
	// Rank is the position of the right entry in the ranking, from 1;
	// 0 when it is not in the first Depth (or the question wants no entry).
	Rank int `json:"rank,omitempty"`
}

// Confusion is one kind of wrong outcome: wanted → got, with the questions.
type Confusion struct {
	Want      string   `json:"want"`
	Got       string   `json:"got"`
	Questions []string `json:"questions"`
}

// SweepPoint is accuracy and refusal at one setting.
type SweepPoint struct {
	Thresholds bot.Thresholds `json:"thresholds"`
	Top1       float64        `json:"top1"`
	Clarified  float64        `json:"clarified"`
	Refusal    float64        `json:"refusal"`
	// Current marks the setting the report was made with.
	Current bool `json:"current"`
}

// Run asks the bot built over kb every question of qs and scores the
// answers; then, for the sweep, rebuilds the bot at each setting and asks
// the in-scope and out-of-scope questions again.
func Run(ctx context.Context, kb *knowledge.KB, qs []Question, opts Options) (*Report, error) {
	if opts.Thresholds == (bot.Thresholds{}) {
		opts.Thresholds = bot.DefaultThresholds
	}
	if opts.Sweep == nil {
		opts.Sweep = DefaultSweep(opts.Thresholds)
	}
	if opts.Depth <= 0 {
		opts.Depth = 10
	}
	b, err := bot.New(kb, bot.WithThresholds(opts.Thresholds))
	if err != nil {
		return nil, fmt.Errorf("building the bot: %w", err)
	}
	rep := &Report{Questions: len(qs), Thresholds: opts.Thresholds}
	results := make([]Result, len(qs))
	for i, q := range qs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		results[i] = ask(ctx, b, q, opts.Depth)
	}
	rep.score(qs, results)
	for _, th := range opts.Sweep {
		sb, err := bot.New(kb, bot.WithThresholds(th))
		if err != nil {
			return nil, fmt.Errorf("building the bot for the sweep: %w", err)
		}
		var in, right, clarified, out, refused int
		for _, q := range qs {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			g := q.Group()
			if g != InScope && g != OutOfScope {
				continue
			}
			got := Outcome(sb.Ask(ctx, bot.Question{Text: q.Q, Lang: q.Lang, Channel: "eval"}))
			if g == OutOfScope {
				out++
				if got == Fallback {
					refused++
				}
				continue
			}
			in++
			if q.Right(got) {
				right++
			} else if got == string(bot.KindClarify) {
				clarified++
			}
		}
		rep.Sweep = append(rep.Sweep, SweepPoint{Thresholds: th, Top1: rate(right, in), Clarified: rate(clarified, in),
			Refusal: rate(refused, out), Current: th == opts.Thresholds})
	}
	return rep, nil
}

// ask puts one question to the bot and ranks the right entry.
func ask(ctx context.Context, b *bot.Bot, q Question, depth int) Result {
	r := b.Ask(ctx, bot.Question{Text: q.Q, Lang: q.Lang, Channel: "eval"})
	res := Result{Question: q, Got: Outcome(r), Score: r.Score}
	if r.Kind == bot.KindRule {
		res.Rule = r.Rule
	}
	if r.Kind == bot.KindRule && r.Entry != "" && q.Group() == InScope && q.Right(r.Entry) {
		// A rule's reply followed by the answer wanted ("I can't advise
		// on your treatment; here is what the sources say", or a kind
		// word for a worried asker, then the facts) answers the question.
		res.Got = r.Entry
	}
	if r.Kind == bot.KindRule && r.Then == bot.KindFallback && q.Group() == OutOfScope {
		// A kind word, then "the sources do not say": the question
		// is refused as it should be, and the asker cared for.
		res.Got = Fallback
	}
	if q.ReplyLang != "" && r.Lang != q.ReplyLang {
		res.Got += WrongLanguage + r.Lang
	}
	if q.Group() != InScope {
		return res
	}
	for i, m := range b.Search(q.Q, depth) {
		if q.Right(m.Entry.ID) {
			res.Rank = i + 1
			break
		}
	}
	return res
}

// score fills the report from the results of every question.
func (rep *Report) score(qs []Question, results []Result) {
	type tally struct {
		in, top1, top3, first, clarified, refused, out, refusal int
		rr                                                      float64
	}
	byLang := map[string]*tally{}
	var langs []string
	all := &tally{}
	rules := map[string]*RuleScore{}
	confusions := map[[2]string]*Confusion{}
	nRight := 0
	for i, q := range qs {
		res := results[i]
		lang := q.language()
		t := byLang[lang]
		if t == nil {
			t = &tally{}
			byLang[lang] = t
			langs = append(langs, lang)
		}
		right := q.Right(res.Got)
		if right {
			nRight++
		} else if answered(res.Got) {
			rep.WrongAnswers = append(rep.WrongAnswers, res)
		}
		g := q.Group()
		for _, t := range []*tally{t, all} {
			switch g {
			case InScope:
				t.in++
				switch {
				case right:
					t.top1++
				case res.Got == string(bot.KindClarify):
					t.clarified++
				case res.Got == Fallback:
					t.refused++
				}
				if right || res.Rank > 0 && res.Rank <= 3 {
					t.top3++
				}
				if res.Rank == 1 {
					t.first++
				}
				if res.Rank > 0 {
					t.rr += 1 / float64(res.Rank)
				}
			case OutOfScope:
				t.out++
				if right {
					t.refusal++
				}
			}
		}
		if strings.HasPrefix(g, RulePrefix) {
			id := strings.TrimPrefix(g, RulePrefix)
			rs := rules[id]
			if rs == nil {
				rs = &RuleScore{Rule: id}
				rules[id] = rs
			}
			rs.Total++
			if right {
				rs.Caught++
			} else {
				rs.Missed = append(rs.Missed, res)
			}
		} else if res.Rule != "" {
			rep.FalseAlarms = append(rep.FalseAlarms, res)
		}
		if !right {
			key := [2]string{q.Want, res.Got}
			c := confusions[key]
			if c == nil {
				c = &Confusion{Want: q.Want, Got: res.Got}
				confusions[key] = c
			}
			c.Questions = append(c.Questions, q.Q)
		}
	}
	rep.Right = rate(nRight, len(qs))
	sort.Slice(langs, func(i, j int) bool { return langOrder(langs[i]) < langOrder(langs[j]) })
	byLang["all"] = all
	for _, l := range append(langs, "all") {
		t := byLang[l]
		rep.Languages = append(rep.Languages, LangScore{
			Lang: l, InScope: t.in, Top1: rate(t.top1, t.in), Top3: rate(t.top3, t.in), MRR: ratio(t.rr, t.in),
			RankedFirst: rate(t.first, t.in), Clarified: rate(t.clarified, t.in), Refused: rate(t.refused, t.in),
			OutOfScope: t.out, Refusal: rate(t.refusal, t.out),
		})
	}
	for _, rs := range rules {
		rep.Rules = append(rep.Rules, *rs)
	}
	sort.Slice(rep.Rules, func(i, j int) bool { return rep.Rules[i].Rule < rep.Rules[j].Rule })
	for _, c := range confusions {
		rep.Confusions = append(rep.Confusions, *c)
	}
	sort.Slice(rep.Confusions, func(i, j int) bool {
		a, b := rep.Confusions[i], rep.Confusions[j]
		if len(a.Questions) != len(b.Questions) {
			return len(a.Questions) > len(b.Questions)
		}
		if a.Want != b.Want {
			return a.Want < b.Want
		}
		return a.Got < b.Got
	})
}

// answered reports whether an outcome is an entry's answer, in whatever
// language.
func answered(got string) bool {
	got, _, _ = strings.Cut(got, WrongLanguage)
	switch got {
	case Fallback, string(bot.KindClarify), string(bot.KindSilent), "":
		return false
	}
	return !strings.HasPrefix(got, RulePrefix)
}

// Language returns the score of lang ("ja", "en" or "all").
func (rep *Report) Language(lang string) (LangScore, bool) {
	for _, l := range rep.Languages {
		if l.Lang == lang {
			return l, true
		}
	}
	return LangScore{}, false
}

func langOrder(l string) string {
	switch l {
	case knowledge.JA:
		return "0"
	case knowledge.EN:
		return "1"
	}
	return "2" + l
}

func rate(n, of int) float64 { return ratio(float64(n), of) }

func ratio(x float64, of int) float64 {
	if of == 0 {
		return 0
	}
	return x / float64(of)
}
