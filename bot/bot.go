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
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

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
	// ContextRatio: a follow-up is answered in the conversation's topic
	// when the best entry there scores at least this share of the best
	// entry overall.
	ContextRatio float64
	// TopicClarifyRatio: a short question with no conversation before it
	// gets a choice when an entry of another topic scores at least this
	// share of the best.
	TopicClarifyRatio float64

	LongTerms       int
	LongMinCoverage float64
	LongMinMatched  float64
	LongLeadRatio   float64
	// A shorter question is answered on the same strong evidence only
	// when its best entry covers more of it (DominantMinCoverage) and
	// leads by far: the runner-up scores at most DominantLeadRatio of it
	// ("why do they still need a double-blind trial?" has words no entry
	// has, but one entry alone speaks of such a trial).
	DominantMinCoverage float64
	DominantLeadRatio   float64
	// FacetMinCoverage: within ALS in general, the entry the facets
	// choose is answered when it covers at least this share of the
	// question; below it, the ranking decides ("can als be cured or only
	// slowed, my uncle want to know" covers little, but asks whether ALS
	// can be cured). Chosen on the training sets: 0.3 refused 39 such
	// questions, 0.15 answered 14 out-of-scope ones.
	FacetMinCoverage float64
}

// DefaultThresholds are the calibrated thresholds.
var DefaultThresholds = Thresholds{
	MinCoverage: 0.6, MinScore: 3, ClarifyRatio: 0.85, SimilarityWeight: 2, SimilarityMargin: 0.15,
	ContextRatio: 0.6, TopicClarifyRatio: 0.6,
	LongTerms: 12, LongMinCoverage: 0.3, LongMinMatched: 6, LongLeadRatio: 0.75,
	DominantMinCoverage: 0.5, DominantLeadRatio: 0.25,
	FacetMinCoverage: 0.2,
}

// Bot answers questions from one knowledge base. It is safe for
// concurrent use.
type Bot struct {
	convs    Conversations
	now      func() time.Time
	kb       *knowledge.KB
	ix       *index
	rules    ruleSet
	tr       *topicReader
	offTopic phraseSet
	// otherUse and aboutALS refuse a question naming another use of the
	// sources' drugs and cells unless it names ALS too.
	otherUse, aboutALS phraseSet
	replyIn            phraseSet // id: index in replyLangs
	switches           phraseSet // topic switches: ところで, by the way
	// symbols reads a message of symbols alone as its words: 🙏 as
	// ありがとう.
	symbols *strings.Replacer
	vocab   vocabulary
	// untreated are the conditions the sources never speak of as treated
	// (OtherUses.Treated), normalized.
	untreated []string
	th        Thresholds
}

// Option configures a Bot.
type Option func(*Bot)

// WithConversations keeps conversations in store; by default each bot
// keeps its own in memory for DefaultConversationTTL. A server that
// reloads its knowledge base passes one store to every bot it builds, so
// conversations survive a reload.
func WithConversations(store Conversations) Option {
	return func(b *Bot) { b.convs = store }
}

// WithClock sets the bot's clock, for tests of the daily disclaimer.
func WithClock(now func() time.Time) Option {
	return func(b *Bot) { b.now = now }
}

// WithThresholds sets the confidence decision.
func WithThresholds(t Thresholds) Option {
	return func(b *Bot) { b.th = t }
}

// New builds a bot over kb: it compiles the rules and indexes the entries.
func New(kb *knowledge.KB, opts ...Option) (*Bot, error) {
	// The rules compile while the entries are indexed: both take a
	// while, and neither needs the other.
	var rules []rule
	var lex *lexicons
	var rulesErr error
	compiled := make(chan struct{})
	go func() {
		defer close(compiled)
		rules, lex, rulesErr = compileRules(kb)
	}()
	b := &Bot{kb: kb, th: DefaultThresholds, now: time.Now}
	for _, w := range kb.OffTopic {
		// Latin words match at the start of a word ("parkinson" finds
		// "parkinsons"); one of three letters or fewer only as a whole
		// word ("aga" is not "again").
		n := Normalize(w)
		b.offTopic.add(n, 0, !isLatinText(n) || len(n) > 3)
	}
	for _, w := range kb.OtherUses.Words {
		b.otherUse.add(Normalize(w), 0, true)
	}
	for _, w := range kb.OtherUses.Unless {
		b.aboutALS.add(Normalize(w), 0, true)
	}
	for _, w := range kb.OtherUses.Treated {
		b.untreated = append(b.untreated, Normalize(w))
	}
	for _, w := range kb.TopicSwitches {
		b.switches.add(Normalize(w), 0, false)
	}
	var symbols []string
	for _, sym := range slices.Sorted(maps.Keys(kb.Symbols)) {
		symbols = append(symbols, sym, " "+kb.Symbols[sym]+" ")
	}
	b.symbols = strings.NewReplacer(symbols...)
	for id, lang := range replyLangs {
		for _, w := range kb.ReplyIn.In(lang) {
			b.replyIn.add(Normalize(w), id, false)
		}
	}
	for _, o := range opts {
		o(b)
	}
	if b.convs == nil {
		b.convs = NewMemoryConversations(DefaultConversationTTL)
	}
	b.ix = newIndex(kb, b.th.SimilarityWeight)
	b.vocab = newVocabulary(kb)
	b.tr = newTopicReader(kb)
	<-compiled
	if rulesErr != nil {
		return nil, rulesErr
	}
	b.rules = newRuleSet(rules, lex)
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
	// Client is the network address the message came from, when the
	// channel has no account behind it (the browser preview): a second
	// limit, so that a new conversation on every request cannot bypass
	// the first. Never log it raw.
	Client string
	// Conversation identifies the conversation the message belongs to
	// (channel and user, or channel and thread), so a follow-up can be
	// understood in context. Empty means the message stands alone.
	Conversation string
	// Entry, when set, is the id of an entry the user picked from the
	// choices or suggestions offered (a button or postback): the bot
	// answers it directly, and Text is only used for the language.
	Entry string
	// Kind says what is asked: a message to read and answer (the zero
	// value), a welcome for a new friend, the topic menu, or the reply to
	// a message the bot cannot read (a sticker, a picture).
	Kind QuestionKind
	// Rule, with kind AskRule, is the id of the rule whose reply is asked
	// for.
	Rule string
	// Urgent is set by SafetyFirst when the message trips a safety rule
	// (an emergency, a crisis): no stage may turn it away.
	Urgent bool

	// screened is what Screen read of the message, for the bot that
	// screened it.
	screened *screened
}

// screened is a message as Screen read it: the reading, and the first
// rule it trips (nil for none).
type screened struct {
	bot  *Bot
	text string
	m    message
	ok   bool
	rule *rule
}

// QuestionKind is what a Question asks of the bot.
type QuestionKind string

// The kinds of question.
const (
	// AskMessage is a message to read and answer.
	AskMessage QuestionKind = ""
	// AskWelcome greets a new user: what the bot can answer, the
	// disclaimer, and the topic menu.
	AskWelcome QuestionKind = "welcome"
	// AskMenu shows the topic menu.
	AskMenu QuestionKind = "menu"
	// AskTextOnly answers a sticker, picture or other message the bot
	// cannot read: it reads text only, and here is what it can answer.
	AskTextOnly QuestionKind = "text-only"
	// AskAbout says what the bot is, where its answers come from, when
	// they were last reviewed, and how to reach the clinic.
	AskAbout QuestionKind = "about"
	// AskRule gives the reply of the rule named by Question.Rule, as a
	// rich-menu button does ("緊急のとき" shows the emergency guidance).
	AskRule QuestionKind = "rule"
)

// Ask replies to one message. Safety rules come first; then the best
// matching entry is answered only when the match is confident. Within a
// conversation, a follow-up is understood in the topic of the answer before
// it, a number picks one of the choices just offered, and the disclaimer is
// shown with the first answer and again a day later.
func (b *Bot) Ask(ctx context.Context, q Question) Reply {
	def := q.Lang
	if def == "" {
		def = knowledge.JA
	}
	switch q.Kind {
	case AskWelcome:
		return b.welcome(def)
	case AskMenu:
		return b.topicMenu(def)
	case AskTextOnly:
		return b.textOnly(def)
	case AskAbout:
		return b.about(def)
	case AskRule:
		if ru := b.ruleByID(q.Rule); ru != nil {
			return b.ruleReply(ru, def)
		}
		return b.topicMenu(def)
	}
	var conv *Conversation
	if q.Conversation != "" {
		if c, ok := b.convs.Get(ctx, q.Conversation); ok {
			conv = &c
		}
	}
	// A reply language asked for ("英語でお願いします", "in Japanese
	// please") holds for the rest of the conversation; the request itself
	// is taken out of the message.
	lang := Language(q.Text, def)
	asked, rest := b.askedLanguage(q.Text)
	switch {
	case asked != "":
		lang, q.Text = asked, rest
	case conv != nil && conv.ReplyLang != "":
		lang = conv.ReplyLang
	}
	var r Reply
	if asked != "" && strings.TrimSpace(rest) == "" {
		r = b.topicMenu(lang) // the request alone: here is what I can answer
	} else {
		r = b.respond(q, lang, asked != "" || conv != nil && conv.ReplyLang != "", conv)
	}
	if q.Conversation != "" {
		r = b.remember(ctx, q.Conversation, conv, r)
		if asked != "" {
			b.preferLanguage(ctx, q.Conversation, asked)
		}
	}
	return r
}

// askedLanguage finds a request for a reply language in text: the
// language, and the text without the request (normalized, katakana
// kept); "" when there is none.
func (b *Bot) askedLanguage(text string) (lang, rest string) {
	if len(b.replyIn.byFirst) == 0 {
		return "", text
	}
	raw := appendNormalized(nil, text, false)
	folded := string(foldKana(raw))
	var spans [][2]int
	ids := map[int]bool{}
	b.replyIn.each(folded, func(start, end, id int) bool {
		spans = append(spans, [2]int{start, end})
		ids[id] = true
		return true
	})
	if len(spans) == 0 || len(ids) > 1 {
		return "", text // none, or both asked for: the text decides
	}
	for id := range ids {
		lang = replyLangs[id]
	}
	// A letter and its folded form take the same bytes.
	var out strings.Builder
	off := 0
	for _, r := range raw {
		n := utf8.RuneLen(toHiragana(r))
		if slices.ContainsFunc(spans, func(sp [2]int) bool { return off >= sp[0] && off < sp[1] }) {
			r = ' '
		}
		out.WriteRune(r)
		off += n
	}
	return lang, out.String()
}

// replyLangs are the languages of the reply-language phrases, by id.
var replyLangs = []string{knowledge.JA, knowledge.EN}

// preferLanguage remembers that the conversation asked for lang.
func (b *Bot) preferLanguage(ctx context.Context, key, lang string) {
	if c, ok := b.convs.Get(ctx, key); ok {
		c.ReplyLang = lang
		b.convs.Put(ctx, key, c)
	}
}

// respond decides the reply to one message, given what the conversation
// remembers (nil when nothing), in the stages the README lists: normalize
// and read the message once; the rules; then what the knowledge base
// answers (see retrieve).
func (b *Bot) respond(q Question, lang string, langAsked bool, conv *Conversation) Reply {
	if q.Entry != "" {
		if r, ok := b.Answer(q.Entry, lang); ok {
			r.Reason = ReasonPicked
			return r
		}
		return b.fallbackFor(lang, ReasonEmpty)
	}
	m, ru, ok := b.reading(q, q.Text)
	if !ok {
		return b.fallbackFor(lang, ReasonEmpty)
	}
	if conv != nil && len(conv.Choices) > 0 {
		if n := choiceNumber(m.norm); n > 0 && n <= len(conv.Choices) {
			if r, ok := b.Answer(conv.Choices[n-1], lang); ok {
				r.Reason = ReasonPicked
				return r
			}
		}
	}
	if m.romaji && lang == knowledge.EN && !langAsked {
		lang = knowledge.JA // Japanese typed in Latin letters
	}
	if ru != nil {
		r := b.ruleReply(ru, lang)
		if ru.Then == "answer" || ru.Then == "answer-if-asked" && asksSomething(q.Text) {
			// The facts may follow the rule's reply, decided as any
			// question is: never a guess.
			switch a := b.retrieveBuried(lang, m, nil); {
			case a.Kind == KindAnswer:
				r.Text += "\n\n" + a.Text
				r.Entry, r.Sources, r.Suggestions, r.Notice, r.Reviewed = a.Entry, a.Sources, a.Suggestions, a.Notice, a.Reviewed
				r.Then = KindAnswer
			case a.Kind == KindFallback && saysWhatIsUnknown(a.Reason):
				// "ALSって遺伝するの？子供が心配で": the kind word, then
				// the honest "the sources do not say", not silence on
				// what was asked.
				r.Text += "\n\n" + a.Text
				if len(r.Suggestions) == 0 {
					r.Suggestions = a.Suggestions
				}
				r.Then = KindFallback
			}
		}
		return r
	}
	return b.retrieveBuried(lang, m, conv)
}

// retrieveBuried answers the message as a whole or, when nothing fits the
// whole of a message of several sentences well enough, the one sentence
// that an answer fits: the question buried in a story ("What is ALS
// exactly? my uncle just got diagnosed and honestly i don't get what's
// happening to him"). The sentence must name its topic and be answered by
// what it asks of it; not when another sentence asks something too, or is
// a rule's (thanks, a worry): which was asked, or what the answer would
// leave out, is a guess.
func (b *Bot) retrieveBuried(lang string, m message, conv *Conversation) Reply {
	r := b.retrieve(lang, m, conv)
	if r.Kind != KindFallback || r.Reason != ReasonWeak {
		return r
	}
	var found Reply
	for _, s := range sentencesIn(m.text) {
		sm, ok := b.readMessage(s)
		if !ok {
			continue
		}
		if b.rules.first(sm.forms...) != nil {
			return r // a sentence a rule is for: thanks, a worry
		}
		a := b.retrieve(lang, sm, conv)
		rd := b.tr.read(sm.text, sm.norm, sm.alt)
		asks := len(rd.topics) > 0 || len(b.tr.strong(rd.facets)) > 0
		switch {
		case a.Kind == KindAnswer && len(rd.topics) > 0 && readAsAsked(a.Reason):
			if found.Entry != "" {
				return r // two sentences, two questions
			}
			found = a
		case asks:
			return r // another sentence asks what no answer fits
		}
	}
	if found.Entry == "" {
		return r
	}
	found.Reason = ReasonBuried
	return found
}

// readAsAsked reports whether a reply was chosen by the topic named and
// the facet asked, not by the ranking alone.
func readAsAsked(reason string) bool {
	return reason == ReasonTopicFacet || reason == ReasonOnlyEntry || reason == ReasonTopicAlone
}

// sentencesIn splits a message into its sentences: nil for a message of
// one.
func sentencesIn(text string) []string {
	parts := strings.FieldsFunc(text, func(r rune) bool { return strings.ContainsRune("?？!！。\n", r) })
	if len(parts) < 2 {
		return nil
	}
	return parts
}

// retrieve answers a message from the knowledge base: refusals on
// positive evidence (a subject it does not cover, a year no source speaks
// of), then the ranking, then the decision: the topic named and the facet
// asked, the conversation's topic for a follow-up, and the ranking's
// confidence.
func (b *Bot) retrieve(lang string, m message, conv *Conversation) Reply {
	if b.isOffTopic(m.norm) || m.alt != "" && b.isOffTopic(m.alt) {
		return b.fallbackFor(lang, ReasonOffTopic)
	}
	read := m.norm
	if m.alt != "" {
		read = m.alt
	}
	if b.unknownCondition(m.read) || b.unknownConditionEN(read) {
		// "臍帯由来の上清液はアトピーに効く？": no source speaks of it.
		return b.fallbackFor(lang, ReasonUnknownCondition)
	}
	parsed := b.ix.parseRead(m.read)
	if b.ix.unknownYear(parsed) {
		// "2024年のノーベル賞は？": whatever is asked, the sources
		// cannot answer it.
		return b.fallbackFor(lang, ReasonUnknownYear)
	}
	if b.anotherDisease(m) {
		// "脊髄小脳変性症の新しい治療ある？", 「多系統萎縮症にもミューズ
		// 細胞は使える？」: another disease, which no source speaks of,
		// as written and as read (the reader mends 「側策硬化症」).
		return b.fallbackFor(lang, ReasonUnknownCondition)
	}
	ms := b.ix.search(parsed, 8)
	rd := b.tr.read(m.text, m.norm, m.alt)
	if !b.tr.namesATherapy(rd) {
		remedy, ok := b.unknownRemedy(m.read)
		if !ok {
			remedy, ok = b.unknownRemedyEN(read)
		}
		if ok {
			// "ケトン食はALSに効きますか": no source speaks of it.
			return b.unknownRemedyReply(lang, asWritten(m.text, remedy))
		}
	}
	if r, ok := b.byTopic(lang, rd, ms, conv); ok {
		return r
	}
	if conv != nil && (conv.Entry != "" || len(conv.Choices) > 0) {
		if r, ok := b.inContext(lang, conv, ms); ok {
			r.Reason = ReasonContext
			return r
		}
	} else if parsed.short() && (refersBack(m.norm) || b.spansTopics(ms)) && !b.verbatim(ms) {
		// "How was it given?" or "副作用は？" with nothing before it:
		// of what is a guess, so the bot asks or says what it can
		// answer.
		r := b.unsure(lang, ms[:min(len(ms), 4)])
		r.Reason = ReasonShortUnclear
		return r
	}
	r := b.decide(lang, b.long(parsed), ms[:min(len(ms), 4)])
	if r.Kind == KindFallback && len(rd.topics) == 1 && !b.tr.topics[rd.topics[0]].General {
		// It names a topic, but nothing of it answers: say what the
		// sources do say about that topic.
		r = b.noTopicAnswer(lang, rd.topics[0], r)
	}
	return r
}

// saysWhatIsUnknown reports whether a fallback, given for reason, rests
// on positive evidence of what the sources lack: what was asked of a
// topic, the remedy, condition or year named, a subject they do not
// cover. The weak fallback says only that nothing fitted well enough,
// which after a rule's reply would be noise.
func saysWhatIsUnknown(reason string) bool {
	switch reason {
	case ReasonNoFacet, ReasonUnknownRemedy, ReasonUnknownCondition, ReasonUnknownYear, ReasonOffTopic:
		return true
	}
	return false
}

// asksSomething reports whether a message asks a question: a question
// mark, a Japanese question ending, or an English question word first.
func asksSomething(text string) bool {
	if strings.ContainsAny(text, "?？") {
		return true
	}
	norm := strings.TrimSpace(Normalize(text))
	for _, end := range []string{"ですか", "ますか", "でしょうか", "のか", "かな", "の", "か"} {
		if strings.HasSuffix(norm, end) {
			return true
		}
	}
	first, _, _ := strings.Cut(norm, " ")
	switch first {
	case "what", "how", "why", "when", "where", "who", "which", "is", "are", "does", "do", "can", "could", "should", "will":
		return true
	}
	return false
}

// message is one message as the bot reads it, built once.
type message struct {
	// norm is the message normalized (width, case, punctuation) with
	// katakana folded to hiragana.
	norm string
	// read is the message as read (typos corrected, romaji as kana,
	// kanji slips fixed), not yet folded; alt is it folded, when it
	// differs from norm.
	read []rune
	alt  string
	// romaji reports whether Japanese typed in Latin letters was read.
	romaji bool
	// forms are what the rules see: the message as typed, as read, and
	// with all its romaji as kana ("iki ga dekinai" is an emergency too).
	forms []string
	// text is the message as sent: where its pauses were, for a short
	// word in kana that is a word of its own when a pause follows it
	// ("むず つぎ なにする").
	text string
}

// withoutCommand drops the slash command a staff member types out of
// habit in a message ("/als which docs is this built on"): Slack takes it
// off a real command, and it names no topic of its own.
func withoutCommand(text string) string {
	t := strings.TrimLeft(text, " \t\u3000")
	rest, ok := strings.CutPrefix(t, "/")
	if !ok {
		rest, ok = strings.CutPrefix(t, "／")
	}
	if !ok || len(rest) < 3 || !strings.EqualFold(rest[:3], "als") {
		return text
	}
	if rest = rest[3:]; rest == "" || strings.ContainsAny(rest[:1], " \t:") || strings.HasPrefix(rest, "\u3000") {
		return rest
	}
	return text // "/alsbot", a word of its own
}

// readMessage reads text once for every stage after it; false when
// nothing is left of it once normalized. A message of symbols alone is
// read as what they say.
func (b *Bot) readMessage(text string) (message, bool) {
	text = withoutCommand(text)
	raw := appendNormalized(nil, text, false)
	if len(raw) == 0 {
		text = b.symbols.Replace(text)
		raw = appendNormalized(nil, text, false)
	}
	if len(raw) == 0 {
		return message{}, false
	}
	m := message{norm: string(foldKana(raw)), text: text}
	m.read, m.romaji = b.ix.read(raw)
	if !slices.Equal(m.read, raw) {
		m.alt = string(foldKana(m.read))
	}
	kana := ""
	if k := allKana(raw); k != nil {
		kana = string(foldKana(k))
	}
	m.forms = []string{m.norm}
	for _, f := range []string{m.alt, kana} {
		if f != "" && f != m.norm {
			m.forms = append(m.forms, f)
		}
	}
	if q := b.question(raw); q != nil {
		// The rules have read it all; the answer reads the question.
		m.norm, m.alt = string(foldKana(q)), ""
		m.read, m.romaji = b.ix.read(q)
		if !slices.Equal(m.read, q) {
			m.alt = string(foldKana(m.read))
		}
	}
	return m, true
}

// question returns what follows the last topic switch of a normalized
// message ("げーむで負けまくったところでalsって治る" asks whether ALS
// can be cured), or nil when it has none, or nothing after it.
func (b *Bot) question(raw []rune) []rune {
	if len(b.switches.byFirst) == 0 {
		return nil
	}
	folded := string(foldKana(raw))
	after := -1
	b.switches.each(folded, func(_, end, _ int) bool {
		after = end
		return true
	})
	if after < 0 {
		return nil
	}
	// A letter and its folded form take the same bytes.
	q := []rune(strings.TrimSpace(string(raw)[after:]))
	if len(q) < 2 {
		return nil
	}
	return q
}

// Urgent reports whether q is a message that trips a rule marked urgent
// in the knowledge base (an emergency, a crisis): such a message is
// answered whatever else is going on.
func (b *Bot) Urgent(q Question) bool { return b.Screen(q).Urgent }

// Screen returns q marked Urgent when it trips an urgent rule, with the
// message as read kept for Ask.
func (b *Bot) Screen(q Question) Question {
	if q.Kind == AskRule {
		// The emergency button is as urgent as the message.
		ru := b.ruleByID(q.Rule)
		q.Urgent = q.Urgent || ru != nil && ru.Urgent
		return q
	}
	if q.Kind != AskMessage || q.Entry != "" {
		return q
	}
	s := &screened{bot: b, text: q.Text}
	if s.m, s.ok = b.readMessage(q.Text); s.ok {
		s.rule = b.firstRule(s.m)
	}
	q.screened = s
	q.Urgent = q.Urgent || s.rule != nil && s.rule.Urgent
	return q
}

// reading returns the message of q as read, and the first rule it trips:
// as Screen found them, or now.
func (b *Bot) reading(q Question, text string) (message, *rule, bool) {
	if s := q.screened; s != nil && s.bot == b && s.text == text {
		return s.m, s.rule, s.ok
	}
	m, ok := b.readMessage(text)
	if !ok {
		return m, nil, false
	}
	return m, b.firstRule(m), true
}

// firstRule returns the first rule a message trips: no exception
// cancels a danger told in a statement of its own, or after the word a
// sentence turns on (see firstOf and statementsIn).
func (b *Bot) firstRule(m message) *rule {
	return b.rules.firstOf(m.forms, func() [][]string {
		var forms [][]string
		for _, s := range statementsIn(m.text) {
			if sm, ok := b.readMessage(s); ok {
				forms = append(forms, sm.forms)
			}
		}
		return forms
	})
}

// statementsIn returns what a message tells apart from the rest of it:
// its sentences that are not questions (not ended by a question mark,
// nor by a particle that asks: か, の, かな, っけ; not ん, 「息できひん」
// tells), nor a fear, a dream or words reported; and what a sentence
// tells after the word it turns on (けど、, but), even in a question when
// it says now or really. nil when that is the whole message.
func statementsIn(text string) []string {
	var out []string
	n := 0
	for len(text) > 0 {
		i := strings.IndexAny(text, "?？!！。\n")
		part, end := text, ""
		if i >= 0 {
			part = text[:i]
			_, w := utf8.DecodeRuneInString(text[i:])
			end, text = text[i:i+w], text[i+w:]
		} else {
			text = ""
		}
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		n++
		asks := end == "?" || end == "？" || asksByItsEnd(part) || notToldNow(part)
		if !asks {
			out = append(out, part)
		}
		if after := afterTheTurn(part); after != "" && (!asks || saysNow(after)) {
			// What follows "but" is what is happening: 「去年も同じ
			// ことがあったけど、今、息ができない」, and so even
			// before a question when it says so (「講習で習ったけ
			// ど、今ほんとにばあちゃんが喉つまらせとる、どうすれ
			// ばよか」).
			out = append(out, after)
			n++
		}
	}
	if n < 2 {
		return nil
	}
	return out
}

// turns are the words on which a sentence turns from what frames it to
// what it tells: 「…けど、」, 「…のに、」, "…, but".
var turns = []string{"けど、", "けれど、", "けど ", "けど", "のに、", "が、", "でも、", "でも", "しかし、", "それより", "みたい、", "いや、", "と思ったら", "たら、本当に", "たら本当に", ", but ", " but ", " and now ", ", now ", " but now ", "今度は", "と違って、", "じゃなくて、", "ではなく、", "たら、今"}

// afterTheTurn returns what a sentence tells after its last turn, or "".
func afterTheTurn(s string) string {
	at := -1
	for _, t := range turns {
		if i := strings.LastIndex(s, t); i >= 0 && i+len(t) > at {
			at = i + len(t)
		}
	}
	if at < 0 || at >= len(s) {
		return ""
	}
	return strings.TrimSpace(s[at:])
}

// saysNow reports whether words say that what they tell is happening
// now, or really.
func saysNow(s string) bool {
	for _, w := range []string{"今", "さっき", "本当に", "ほんとに", "ほんまに", "実は", "じつは", "今日また", "right now", "actually", "really"} {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// notToldNow reports whether a sentence ends as a fear, a dream or
// words reported does, not as something happening: 「息ができなくなるの
// が怖い」, 「夫がむせてるのに私の体が動かない夢」, 「…と言ってます」.
func notToldNow(s string) bool {
	for _, end := range []string{"怖い", "こわい", "心配", "しんぱい", "不安", "ふあん", "夢", "ゆめ", "と思うと", "とおもうと", "言ってます", "言ってる", "いってます", "いってる", "言ってた", "いってた"} {
		if strings.HasSuffix(s, end) {
			return true
		}
	}
	return false
}

// asksByItsEnd reports whether a sentence ends as a question does in
// Japanese, without a question mark: 「どういう時にこうなるの」.
func asksByItsEnd(s string) bool {
	for _, end := range []string{"か", "の", "かな", "かね", "っけ", "なん", "のん"} {
		if strings.HasSuffix(s, end) {
			return true
		}
	}
	return false
}

// refersBack reports whether a short message points back to something
// said before: a Japanese demonstrative starting the message or a phrase
// (その結果は, 副作用は？それの), or an English pronoun.
func refersBack(norm string) bool {
	for _, w := range []string{"それ", "その", "そっち", "そちら", "あれ", "あの", "そこ"} {
		if strings.HasPrefix(norm, w) || strings.Contains(norm, " "+w) {
			return true
		}
	}
	return englishReferring.any(norm)
}

var englishReferring = func() phraseSet {
	var ps phraseSet
	for _, w := range []string{"it", "its", "they", "them", "those", "that one", "the one"} {
		ps.add(w, 0, false)
	}
	return ps
}()

// spansTopics reports whether a short question fits entries of different
// topics about as well: "副作用は？" could be about Muse cells or about
// conditioned medium.
func (b *Bot) spansTopics(ms []Match) bool {
	if len(ms) < 2 || !b.confident(ms[0]) || ms[0].Similarity >= nearlyVerbatim {
		return false // one entry, or an example question asked word for word
	}
	for _, m := range ms[1:] {
		if m.Entry.Topic != ms[0].Entry.Topic && b.confident(m) && m.Score >= ms[0].Score*b.th.TopicClarifyRatio {
			return true
		}
	}
	return false
}

// unsure replies to a question that cannot be answered with confidence:
// the choices when there are several, the fallback otherwise.
func (b *Bot) unsure(lang string, ms []Match) Reply {
	var choices []Match
	for _, m := range ms {
		if b.confident(m) && len(choices) < 3 {
			choices = append(choices, m)
		}
	}
	if len(choices) > 1 {
		return b.clarify(lang, choices)
	}
	score := 0.0
	if len(ms) > 0 {
		score = ms[0].Coverage
	}
	return b.fallback(lang, score)
}

// inContext answers a follow-up from the entries the conversation is
// about: the choices just offered, or the topic of the last answer and
// its related entries. The entry must match the follow-up confidently on
// its own words, and score near the best match overall, so that a message
// naming another topic starts afresh.
func (b *Bot) inContext(lang string, conv *Conversation, ms []Match) (Reply, bool) {
	if len(ms) == 0 {
		return Reply{}, false
	}
	var last *knowledge.Entry
	if conv.Entry != "" {
		last, _ = b.kb.Entry(conv.Entry)
	}
	inScope := func(e *knowledge.Entry) bool {
		if slices.Contains(conv.Choices, e.ID) {
			return true
		}
		return last != nil && (e.Topic == last.Topic || e.ID == last.ID || slices.Contains(last.Related, e.ID))
	}
	var near []Match
	for _, m := range ms {
		if inScope(m.Entry) {
			near = append(near, m)
		}
	}
	if len(near) == 0 || !b.confident(near[0]) || near[0].Score < ms[0].Score*b.th.ContextRatio {
		return Reply{}, false
	}
	if len(near) > 1 && b.close(near[0], near[1]) {
		return b.clarify(lang, near[:min(len(near), 3)]), true
	}
	return b.answer(lang, near[0].Entry, near[0].Coverage), true
}

// remember updates the conversation with the reply, and shapes the reply
// by it: the disclaimer the first time a language appears and again a day
// later, and no suggestion of an entry already read.
func (b *Bot) remember(ctx context.Context, key string, conv *Conversation, r Reply) Reply {
	c := Conversation{}
	if conv != nil {
		c = *conv
		c.Seen = slices.Clone(conv.Seen)
		c.Noticed = maps.Clone(conv.Noticed)
	}
	now := b.now()
	c.Lang = r.Lang
	c.Choices = nil
	switch {
	case r.Kind == KindClarify:
		// The choices are what the question could mean, read or not.
		for _, s := range r.Suggestions {
			c.Choices = append(c.Choices, s.Entry)
		}
	case r.Entry != "":
		e, ok := b.kb.Entry(r.Entry)
		if !ok {
			break
		}
		c.Entry, c.Topic = e.ID, e.Topic
		if !slices.Contains(c.Seen, e.ID) {
			c.Seen = append(c.Seen, e.ID)
		}
		r.Suggestions = b.followUps(e, r.Lang, c.Seen)
	default:
		r.Suggestions = slices.DeleteFunc(slices.Clone(r.Suggestions), func(s Suggestion) bool { return slices.Contains(c.Seen, s.Entry) })
	}
	if r.Notice != "" {
		if at, ok := c.Noticed[r.Lang]; ok && now.Sub(at) < NoticeEvery {
			r.Notice = ""
		} else {
			if c.Noticed == nil {
				c.Noticed = map[string]time.Time{}
			}
			c.Noticed[r.Lang] = now
		}
	}
	b.convs.Put(ctx, key, c)
	return r
}

// NoticeEvery is how often the disclaimer is shown again, in each
// language, within one conversation.
const NoticeEvery = 24 * time.Hour

// followUps suggests up to three entries related to e that the
// conversation has not read yet (seen), then, to make up three, unread
// entries of the topic menu.
func (b *Bot) followUps(e *knowledge.Entry, lang string, seen []string) []Suggestion {
	out := []Suggestion{}
	for _, id := range slices.Concat(e.Related, b.kb.Menu) {
		if len(out) == 3 {
			break
		}
		if id == e.ID || slices.Contains(seen, id) || slices.ContainsFunc(out, func(s Suggestion) bool { return s.Entry == id }) {
			continue
		}
		if rel, ok := b.kb.Entry(id); ok {
			out = append(out, suggest(rel, lang))
		}
	}
	return out
}

// choiceNumber reads a message that picks a numbered choice ("2", "２番",
// "2つ目", "二番目", "no. 2", "the second") and returns the number, or 0.
func choiceNumber(norm string) int {
	s := strings.TrimSpace(norm)
	for _, suffix := range []string{"でお願いします", "でおねがいします", "です", "で", "を", "がいい"} {
		s = strings.TrimSuffix(s, suffix)
	}
	for _, suffix := range []string{"ばんめ", "番目", "つめ", "つ目", "個目", "こめ", "番", "ばん"} {
		s = strings.TrimSuffix(s, suffix)
	}
	s = strings.TrimPrefix(strings.TrimPrefix(s, "no "), "number ")
	s = strings.TrimSpace(s)
	switch s {
	case "1", "一", "いち", "first", "the first", "one":
		return 1
	case "2", "二", "に", "second", "the second", "two":
		return 2
	case "3", "三", "さん", "third", "the third", "three":
		return 3
	}
	return 0
}

// Search returns up to k entries best matching text, best first, without
// rules or the confidence decision: for tools that explain the bot.
func (b *Bot) Search(text string, k int) []Match {
	return b.ix.search(b.ix.parse(text), k)
}

// isOffTopic reports whether the message names a subject the bot does not
// cover. Latin words match as word beginnings: parkinson, parkinsons.
func (b *Bot) isOffTopic(norm string) bool {
	return b.offTopic.any(norm) || b.otherUse.any(norm) && !b.aboutALS.any(norm)
}

// verbatim reports whether the best match is one of its entry's example
// questions, give or take a particle, and confident: "what is ALS" is
// not unclear, however many entries speak of ALS.
func (b *Bot) verbatim(ms []Match) bool {
	return len(ms) > 0 && ms[0].Similarity >= nearlyVerbatim && b.confident(ms[0])
}

// confident reports whether m is good enough to answer or offer.
func (b *Bot) confident(m Match) bool {
	return m.Coverage >= b.th.MinCoverage && m.Score >= b.th.MinScore
}

// long reports whether a question is long enough that most of it may be
// context rather than the question itself.
func (b *Bot) long(q query) bool { return q.hardTerms() >= b.th.LongTerms }

// clearLead reports whether the best of the matches has strong evidence
// of its own and leads the runner-up clearly: by LongLeadRatio for a long
// question, by DominantLeadRatio for a shorter one.
func (b *Bot) clearLead(ms []Match, long bool) bool {
	best := ms[0]
	if best.Coverage < b.th.LongMinCoverage || best.Matched < b.th.LongMinMatched || best.Score < b.th.MinScore {
		return false
	}
	ratio := b.th.LongLeadRatio
	if !long {
		if best.Coverage < b.th.DominantMinCoverage {
			return false
		}
		ratio = b.th.DominantLeadRatio
	}
	return len(ms) == 1 || ms[1].Score <= best.Score*ratio
}

// close reports whether the runner-up m is too close to the best match
// for the bot to choose between them.
func (b *Bot) close(best, m Match) bool {
	return m.Score >= best.Score*b.th.ClarifyRatio && b.confident(m) &&
		best.Similarity < m.Similarity+b.th.SimilarityMargin
}

// decide turns ranked matches into an answer, a choice or a fallback.
func (b *Bot) decide(lang string, long bool, ms []Match) Reply {
	if len(ms) > 0 && !b.confident(ms[0]) && b.clearLead(ms, long) {
		r := b.answer(lang, ms[0].Entry, ms[0].Coverage)
		r.Reason = ReasonClearLead
		return r
	}
	if len(ms) == 0 || !b.confident(ms[0]) {
		score := 0.0
		if len(ms) > 0 {
			score = ms[0].Coverage
		}
		r := b.fallback(lang, score)
		r.Reason = ReasonWeak
		near := b.near(lang, ms)
		for _, s := range r.Suggestions {
			if !slices.ContainsFunc(near, func(n Suggestion) bool { return n.Entry == s.Entry }) {
				near = append(near, s)
			}
		}
		r.Suggestions = near
		return r
	}
	close := ms[:1]
	for _, m := range ms[1:] {
		if b.close(ms[0], m) && len(close) < 3 {
			close = append(close, m)
		}
	}
	if len(close) > 1 {
		r := b.clarify(lang, close)
		r.Reason = ReasonClose
		return r
	}
	r := b.answer(lang, ms[0].Entry, ms[0].Coverage)
	r.Reason = ReasonConfident
	return r
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
	r.Text = strings.ReplaceAll(e.Answer.In(lang), "{reviewed}", b.kb.LatestReview())
	r.Entry = e.ID
	r.Score = round(score)
	r.Sources = b.sources(e, lang)
	if len(e.Reviewed) >= 7 {
		r.Reviewed = e.Reviewed[:7]
	}
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

// near returns, as a suggestion, the best of the matches the bot would
// not answer with when it has strong evidence of its own (the words of
// the question it matched weigh at least LongMinMatched) and leads the
// runner-up clearly (LongLeadRatio): "has the STR03 phase II kicked
// off?" is not answered, but the STR03 entry leads the topics offered.
func (b *Bot) near(lang string, ms []Match) []Suggestion {
	out := []Suggestion{}
	if len(ms) == 0 {
		return out
	}
	best := ms[0]
	if best.Coverage >= b.th.LongMinCoverage && best.Matched >= b.th.LongMinMatched && best.Score >= b.th.MinScore &&
		(len(ms) == 1 || ms[1].Score <= best.Score*b.th.LongLeadRatio) {
		out = append(out, suggest(best.Entry, lang))
	}
	return out
}

// fill puts the clinic's contact where a text says {clinic}.
func (b *Bot) fill(text, lang string) string {
	if !strings.Contains(text, "{clinic}") {
		return text
	}
	return strings.ReplaceAll(text, "{clinic}", b.kb.Clinic.Contact(lang))
}

// fallbackFor is the fallback given for reason.
func (b *Bot) fallbackFor(lang, reason string) Reply {
	r := b.fallback(lang, 0)
	r.Reason = reason
	return r
}

// unknownRemedyReply says that the sources do not speak of the remedy
// asked about, by the name the question gave it.
func (b *Bot) unknownRemedyReply(lang, remedy string) Reply {
	r := b.fallbackFor(lang, ReasonUnknownRemedy)
	if msg := b.kb.Messages.UnknownRemedy.In(lang); msg != "" {
		r.Text = b.fill(strings.ReplaceAll(msg, "{remedy}", remedy), lang)
	}
	return r
}

func (b *Bot) fallback(lang string, score float64) Reply {
	r := b.reply(KindFallback, lang)
	r.Text = b.fill(b.kb.Messages.Fallback.In(lang), lang)
	r.Score = round(score)
	r.Suggestions = b.menu(lang)
	return r
}

func (b *Bot) ruleReply(ru *rule, lang string) Reply {
	r := b.reply(KindRule, lang)
	r.Rule = ru.ID
	r.Reason = ReasonRule
	r.Text = b.fill(ru.Reply.In(lang), lang)
	r.Urgent = ru.Urgent
	for _, c := range ru.Calls {
		r.Calls = append(r.Calls, Call{Number: c.Number, Label: c.Label.In(lang)})
	}
	r.Score = 1
	if ru.Then == "menu" {
		r.Suggestions = b.menu(lang)
	}
	return r
}

// topicMenu is the topic menu: what the bot can answer, as suggestions.
func (b *Bot) topicMenu(lang string) Reply {
	r := b.reply(KindRule, lang)
	r.Rule = "menu"
	r.Text = b.kb.Messages.Menu.In(lang)
	r.Score = 1
	r.Suggestions = b.menu(lang)
	return r
}

// welcome greets a new user: what the bot can answer, the disclaimer, and
// the topic menu.
func (b *Bot) welcome(lang string) Reply {
	r := b.topicMenu(lang)
	r.Rule = "welcome"
	r.Text = b.kb.Messages.Welcome.In(lang)
	r.Notice = b.kb.Messages.Disclaimer.In(lang)
	return r
}

// textOnly replies to a sticker, picture or other message the bot cannot
// read: it reads text only, and here is what it can answer.
func (b *Bot) textOnly(lang string) Reply {
	r := b.topicMenu(lang)
	r.Rule = "text-only"
	r.Text = b.kb.Messages.TextOnly.In(lang)
	return r
}

// about says what the bot is, cites every source, and gives the month of
// the latest review and the clinic's contact, with its phone one tap to
// dial once the profile is filled in.
func (b *Bot) about(lang string) Reply {
	r := b.reply(KindRule, lang)
	r.Rule = "about"
	r.Score = 1
	r.Reviewed = b.kb.LatestReview()
	r.Text = strings.ReplaceAll(b.fill(b.kb.Messages.About.In(lang), lang), "{reviewed}", r.Reviewed)
	for _, s := range b.kb.Sources {
		r.Sources = append(r.Sources, Source{ID: s.ID, Title: s.TitleIn(lang), Publisher: s.PublisherIn(lang), Date: s.Date, URL: s.Link()})
	}
	c := b.kb.Clinic
	r.Clinic = &Clinic{Name: c.Name.In(lang)}
	if !c.Placeholder {
		r.Clinic.Phone, r.Clinic.Hours, r.Clinic.Web, r.Clinic.LINE = c.Phone, c.Hours.In(lang), c.Web, c.LINE
		if c.Phone != "" {
			r.Calls = []Call{{Number: c.Phone, Label: r.Clinic.Name}}
		}
	}
	r.Notice = b.kb.Messages.Disclaimer.In(lang)
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
		out = append(out, Source{ID: s.ID, Title: s.TitleIn(lang), Publisher: s.PublisherIn(lang), Date: s.Date, URL: s.Link()})
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
				if r.Entry == e.ID && (r.Kind == KindAnswer || r.Kind == KindRule && !r.Urgent) {
					// Its answer, alone or after a kind word or the
					// advice to ask one's doctor.
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
				// Say what tipped it, so that the fix is plain: the
				// stage that decided, and the words it read.
				rd := b.Read(q)
				why := fmt.Sprintf("decided by %s", r.Reason)
				if len(rd.Words) > 0 {
					why += fmt.Sprintf(", reading topics %v and facets %v from the words %q", rd.Topics, rd.Facets, rd.Words)
				}
				if r.Reason == ReasonNoFacet {
					// An entry answers only the facets it lists.
					why += "; if its answer gives what the question asks, list that facet in the entry's facets, or else drop the question"
				}
				errs = append(errs, &knowledge.Problem{Pos: e.Pos,
					Msg: fmt.Sprintf("entry %q: example question %q gets %s instead (%s)", e.ID, q, got, why)})
			}
		}
	}
	return errors.Join(errs...)
}
