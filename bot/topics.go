package bot

import (
	"cmp"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"alsbot/knowledge"
)

// topicReader reads which topics a message names (by their anchors) and
// which facets it asks (by their cues), for the topic × facet decision.
type topicReader struct {
	topics  []*knowledge.Topic
	facets  []*knowledge.Facet
	anchors phraseSet // id: index in topics
	// affiliations name a topic unless another is named by an anchor.
	affiliations phraseSet // id: index in topics
	cues         phraseSet // id: index in facets
	// byTopic lists each topic's entries, in knowledge-base order.
	byTopic    [][]*knowledge.Entry
	topicOf    map[string]int // entry id → index in topics
	facetIndex map[string]int // facet id → index in facets; -1 for any
	// speaksOf lists, for each entry, the topics its answer or its
	// example questions name: what a comparison it makes can be of.
	speaksOf map[string][]int
	index    map[string]int // topic id → index in topics
	// figures maps each figure with a decimal point that one entry's
	// answer alone gives (0.47) to that entry; nil when several give it.
	figures map[string]*knowledge.Entry
}

func newTopicReader(kb *knowledge.KB) *topicReader {
	tr := &topicReader{topics: kb.Topics, facets: kb.Facets, topicOf: map[string]int{}, facetIndex: map[string]int{knowledge.AnyFacet: -1}}
	for i, f := range kb.Facets {
		tr.facetIndex[f.ID] = i
	}
	index := map[string]int{}
	for i, t := range kb.Topics {
		index[t.ID] = i
	}
	tr.index = index
	tr.byTopic = make([][]*knowledge.Entry, len(kb.Topics))
	for _, e := range kb.Entries {
		if i, ok := index[e.Topic]; ok {
			tr.byTopic[i] = append(tr.byTopic[i], e)
			tr.topicOf[e.ID] = i
		}
	}
	// Every form of a synonym group with an anchor (or a cue) in it
	// names the topic (or asks the facet) too: ミューズ brings Muse and
	// みゅーずさいぼう.
	groups := map[string][]string{}
	for _, g := range kb.Synonyms {
		for _, f := range g.Forms {
			k := Normalize(f)
			groups[k] = append(groups[k], g.Forms...)
		}
	}
	add := func(ps *phraseSet, words []string, id int, anchor bool) {
		for _, w := range words {
			ps.add(Normalize(w), id, false)
			for _, f := range groups[Normalize(w)] {
				if n := Normalize(f); anchor || !shortKana(n) {
					ps.add(n, id, false)
				}
			}
		}
	}
	for i, t := range kb.Topics {
		add(&tr.anchors, t.Anchors, i, true)
		add(&tr.affiliations, t.Affiliations, i, true)
	}
	for i, f := range kb.Facets {
		add(&tr.cues, f.Cues.All(), i, false)
	}
	tr.figures = map[string]*knowledge.Entry{}
	for _, e := range kb.Entries {
		for _, n := range decimalsIn(Normalize(e.Answer.JA + " " + e.Answer.EN)) {
			if o, ok := tr.figures[n]; ok && o != e {
				tr.figures[n] = nil
			} else {
				tr.figures[n] = e
			}
		}
	}
	tr.speaksOf = map[string][]int{}
	for _, e := range kb.Entries {
		for _, text := range append([]string{e.Answer.JA, e.Answer.EN}, e.Questions.All()...) {
			for _, t := range tr.read(text, Normalize(text)).topics {
				if !slices.Contains(tr.speaksOf[e.ID], t) {
					tr.speaksOf[e.ID] = append(tr.speaksOf[e.ID], t)
				}
			}
		}
	}
	return tr
}

// compares reports whether entry e can answer a comparison of the topics:
// its answer or its example questions speak of all of them but its own. The
// difference between dental pulp and cord blood is no answer to 「上清液と
// Muse細胞、どっちが効くん？」.
func (tr *topicReader) compares(e *knowledge.Entry, topics []int) bool {
	own := tr.topicOf[e.ID]
	for _, t := range topics {
		if t != own && !tr.topics[t].General && !slices.Contains(tr.speaksOf[e.ID], t) {
			return false
		}
	}
	return true
}

// shortKana reports whether a form is two letters of kana or fewer: がん
// as a synonym of 腫瘍 would find がんばる.
func shortKana(form string) bool {
	return isHiraganaText(form) && utf8.RuneCountInString(form) <= 2
}

// wordEnds reports whether a word of kana ending at end in text ends
// there: the text ends, or what follows is not kana, or is a particle.
func wordEnds(text string, end int) bool {
	r, _ := utf8.DecodeRuneInString(text[end:])
	if end >= len(text) || !isHiraganaText(string(r)) {
		return true
	}
	return strings.ContainsRune("のってはがでもをにとやへ", r)
}

// pausedAfter reports whether the message, with its pauses kept, has
// the word followed by a pause or at its end: typed as a word of its own.
func pausedAfter(spaced, word string) bool {
	return spaced != "" && (strings.Contains(spaced, word+" ") || strings.HasSuffix(spaced, word))
}

// topicReading is what a message says of topics and facets.
type topicReading struct {
	// topics are the topics the message names: its specific topics, or
	// its general ones when it names no specific one. By index.
	topics []int
	// facets are the facets it asks, in the order they first appear.
	facets []int
	// words are the anchors and cues found, as in the folded message,
	// for maintainers: the words that decided the reading.
	words []string
	// broad reports that the message also names a general topic besides
	// its specific ones ("are iPS cells stem cells": stem cells).
	broad bool
	// quoted is the entry whose figures the message quotes, when one
	// entry alone gives each of them: 「0.47から0.25ってなんの数字？」
	// asks what the Muse trial's figures mean.
	quoted *knowledge.Entry
}

// read finds the topics and facets of a message in its folded forms;
// text is the message as sent, read again, with its pauses kept, only
// for a short word in kana.
func (tr *topicReader) read(text string, forms ...string) topicReading {
	var specific, general, facets, affiliated []int
	var words []string
	var spans []anchorSpan
	paused := sync.OnceValue(func() string { return spaced(text) })
	sentences := sync.OnceValue(func() []string { return sentencesOf(text) })
	for form, f := range forms {
		if f == "" {
			continue
		}
		var named [][2]int
		tr.affiliations.each(f, func(start, end, id int) bool {
			named = append(named, [2]int{start, end})
			if w := f[start:end]; !slices.Contains(words, w) {
				words = append(words, w)
			}
			if !slices.Contains(affiliated, id) {
				affiliated = append(affiliated, id)
			}
			return true
		})
		tr.anchors.each(f, func(start, end, id int) bool {
			if w := f[start:end]; shortKana(w) && !wordEnds(f, end) && !pausedAfter(paused(), w) {
				// An anchor of two letters of kana (むーず, folded to
				// むず) names its topic only as a word of its own:
				// not inside むずかしい, but in 「むーず つぎ なにする」.
				return true
			}
			named = append(named, [2]int{start, end})
			if w := f[start:end]; !slices.Contains(words, w) {
				words = append(words, w)
			}
			list := &specific
			if tr.topics[id].General {
				list = &general
			} else {
				spans = append(spans, anchorSpan{form, start, end, id})
			}
			if !slices.Contains(*list, id) {
				*list = append(*list, id)
			}
			return true
		})
		// A cue inside a longer cue of another facet is not asked:
		// "how many infusions" asks how it was given, not how many
		// took part.
		var spans [][3]int
		tr.cues.each(f, func(start, end, id int) bool {
			spans = append(spans, [3]int{start, end, id})
			return true
		})
		for _, sp := range spans {
			inside := slices.ContainsFunc(spans, func(o [3]int) bool {
				return o != sp && o[0] <= sp[0] && sp[1] <= o[1] && o[1]-o[0] > sp[1]-sp[0]
			}) || onlyHiragana(f[sp[0]:sp[1]]) && slices.ContainsFunc(named, func(n [2]int) bool {
				// Nor is a cue in kana inside a topic's name, where
				// it is other words' letters: こうか in
				// きんいしゅくせいそくさくこうかしょう is not 効果.
				return n[0] <= sp[0] && sp[1] <= n[1] && n[1]-n[0] > sp[1]-sp[0]
			})
			if w := f[sp[0]:sp[1]]; !inside && onlyHiragana(w) && acrossSentences(sentences(), w) {
				// Nor is a cue in kana that the message has only
				// across the end of a sentence, where it is the end of
				// one word and the start of the next: 「まだなん？さい
				// ぼう」 asks no age (なんさい).
				inside = true
			}
			if !inside && !slices.Contains(facets, sp[2]) {
				facets = append(facets, sp[2])
			}
			if w := f[sp[0]:sp[1]]; !inside && !slices.Contains(words, w) {
				words = append(words, w)
			}
		}
	}
	if len(specific) == 0 && (len(general) > 0 || slices.ContainsFunc(facets, func(f int) bool { return !tr.facets[f].Weak || tr.facets[f].NamesAStudy })) {
		// Named by an affiliation alone, with something of this bot's
		// subject (「岡山大学の治験の結果は？」), not on another subject
		// (「京都大学病院の面会時間は？」).
		for _, id := range affiliated {
			if !tr.topics[id].General {
				specific = append(specific, id)
			}
		}
	}
	facets = tr.combined(facets, sentences())
	specific = slices.DeleteFunc(specific, func(t int) bool {
		by, ok := subsumed(t, spans)
		return ok && !tr.asksOfItself(t, by, facets)
	})
	broad := len(specific) > 0 && len(general) > 0
	if len(specific) == 0 {
		specific = general
	}
	rd := topicReading{topics: specific, facets: facets, words: words, broad: broad}
	if len(forms) > 0 {
		rd.quoted = tr.quotes(forms[0])
	}
	return rd
}

// combined adds to the facets asked each facet that a set of them asks
// too (combines: in the facet), asked together in one sentence: in
// 「2年前に父を亡くしました。今はどの段階？」 the date is the story's, not
// the stage's. sentences are as sentencesOf returns them.
func (tr *topicReader) combined(facets []int, sentences []string) []int {
	inOne := func(set []string) bool {
		for _, id := range set {
			if i, ok := tr.facetIndex[id]; !ok || i < 0 || !slices.Contains(facets, i) {
				return false
			}
		}
		if len(sentences) == 0 {
			return true
		}
		return slices.ContainsFunc(sentences[1:], func(s string) bool {
			var in []int
			tr.cues.each(s, func(_, _, id int) bool {
				in = append(in, id)
				return true
			})
			return !slices.ContainsFunc(set, func(id string) bool { return !slices.Contains(in, tr.facetIndex[id]) })
		})
	}
	for i, f := range tr.facets {
		if !slices.Contains(facets, i) && slices.ContainsFunc(f.Combines, inOne) {
			facets = append(facets, i)
		}
	}
	return facets
}

// quotes returns the entry whose answer alone gives each figure with a
// decimal point the folded message has, or nil.
func (tr *topicReader) quotes(folded string) *knowledge.Entry {
	var e *knowledge.Entry
	for _, n := range decimalsIn(folded) {
		o := tr.figures[n]
		if o == nil || e != nil && o != e {
			return nil
		}
		e = o
	}
	return e
}

// decimalsIn returns the figures with a decimal point in folded text, as
// written: 0.47, 10.1177.
func decimalsIn(folded string) []string {
	var out []string
	for i := 0; i < len(folded); {
		j := i
		for j < len(folded) && (isDigit(rune(folded[j])) || folded[j] == '.' && j > i && j+1 < len(folded) && isDigit(rune(folded[j+1]))) {
			j++
		}
		if n := folded[i:j]; strings.Contains(n, ".") {
			out = append(out, n)
		}
		i = max(j, i+1)
	}
	return out
}

// anchorSpan is where an anchor of a specific topic was found: in which
// of the message's forms, and at what bytes.
type anchorSpan struct{ form, start, end, topic int }

// subsumed reports whether topic t is named only by words that are part of
// another topic's names, one of them longer than t's own there: 「乳歯の上清液の研究」
// names the baby-tooth study, and conditioned medium only as part of it,
// while 「乳歯から取れる上清液」 names both.
func subsumed(t int, spans []anchorSpan) (by int, ok bool) {
	inside := func(s, o anchorSpan) bool { return o.form == s.form && o.start <= s.start && s.end <= o.end }
	longer := func(s, o anchorSpan) bool { return o.end-o.start > s.end-s.start }
	for _, outer := range spans {
		if outer.topic == t {
			continue
		}
		all, anyLonger := true, false
		for _, s := range spans {
			if s.topic != t || slices.ContainsFunc(spans, func(o anchorSpan) bool { return o.topic == t && inside(s, o) && longer(s, o) }) {
				continue // only the longest of t's words in one place
			}
			if !slices.ContainsFunc(spans, func(o anchorSpan) bool { return o.topic == outer.topic && inside(s, o) }) {
				all = false
				break
			}
			anyLonger = anyLonger || slices.ContainsFunc(spans, func(o anchorSpan) bool { return o.topic == outer.topic && inside(s, o) && longer(s, o) })
		}
		if all && anyLonger {
			return outer.topic, true
		}
	}
	return 0, false
}

// asksOfItself reports whether a topic named only as part of another's
// name (by) is asked something of its own all the same: a facet that only
// it answers of the two (「上清液の研究の論文」 asks for the blog's
// references, which conditioned medium's entries give), or one that
// implies it (「人での上清液の研究は大規模なの？」). Not a point of a
// particular study, which is the study named's: 「乳歯の上清液の研究、
// 何人参加してるの？」 asks of the baby-tooth study, not of conditioned
// medium's one patient.
func (tr *topicReader) asksOfItself(t, by int, facets []int) bool {
	return slices.ContainsFunc(facets, func(f int) bool {
		fc := tr.facets[f]
		if fc.Weak {
			return false
		}
		covers := func(e *knowledge.Entry) bool { return e.Covers(fc.ID) }
		return fc.Implies == tr.topics[t].ID ||
			!fc.OfAStudy && slices.ContainsFunc(tr.byTopic[t], covers) && !slices.ContainsFunc(tr.byTopic[by], covers)
	})
}

// sentencesOf returns the message, normalized, followed by its sentences
// (ended by ？, ！ or 。), normalized: nil for a message of one sentence.
func sentencesOf(text string) []string {
	parts := strings.FieldsFunc(text, func(r rune) bool { return strings.ContainsRune("?？!！。", r) })
	if len(parts) < 2 {
		return nil
	}
	out := []string{Normalize(text)}
	for _, p := range parts {
		out = append(out, Normalize(p))
	}
	return out
}

// acrossSentences reports whether the message has word only across the
// end of a sentence; sentences are as sentencesOf returns them.
func acrossSentences(sentences []string, word string) bool {
	if len(sentences) == 0 || !strings.Contains(sentences[0], word) {
		return false
	}
	return !slices.ContainsFunc(sentences[1:], func(s string) bool { return strings.Contains(s, word) })
}

// Reading is what the bot reads in a message before it ranks entries:
// the topics it names and the facets it asks, by id.
type Reading struct {
	Topics []string `json:"topics"`
	Facets []string `json:"facets"`
	// Words are the anchors and cues that gave them.
	Words []string `json:"words,omitempty"`
}

// Read returns the topics and facets the bot reads in text, for tools
// that explain it (alsbot ask --explain).
func (b *Bot) Read(text string) Reading {
	m, ok := b.readMessage(text)
	if !ok {
		return Reading{}
	}
	rd := b.tr.read(m.text, m.norm, m.alt)
	out := Reading{Topics: []string{}, Facets: b.tr.facetIDs(rd), Words: rd.words}
	for _, t := range rd.topics {
		out.Topics = append(out.Topics, b.tr.topics[t].ID)
	}
	return out
}

// namesATherapy reports whether the reading names a topic of its own, not
// only ALS and its treatment in general: what is asked whether it works is
// then that topic ("結局Muse細胞って効いたの？").
func (tr *topicReader) namesATherapy(rd topicReading) bool {
	return slices.ContainsFunc(rd.topics, func(t int) bool { return !tr.topics[t].General })
}

// facetIDs are the ids of the reading's facets.
func (tr *topicReader) facetIDs(rd topicReading) []string {
	out := make([]string, len(rd.facets))
	for i, f := range rd.facets {
		out[i] = tr.facets[f].ID
	}
	return out
}

// Reasons a reply was given, for --explain and the logs: which stage of
// the decision gave it.
const (
	ReasonPicked           = "picked"            // a button, a postback or a number chose the entry
	ReasonRule             = "rule"              // a safety or small-talk rule fired
	ReasonOffTopic         = "off-topic"         // a subject the knowledge base does not cover
	ReasonCompare          = "compare"           // which is better, across topics: not compared, not recommended
	ReasonUnknownYear      = "unknown-year"      // a year no source speaks of
	ReasonUnknownCondition = "unknown-condition" // whether it helps with a condition no entry speaks of
	ReasonUnknownRemedy    = "unknown-remedy"    // whether something no entry speaks of works
	ReasonTopicFacet       = "topic-facet"       // the topic named and the facet asked chose the entry
	ReasonOnlyEntry        = "topic-one-entry"   // the topic named has one entry
	ReasonTopicAlone       = "topic-alone"       // the topic named and nothing else asked: what it is
	ReasonQuoted           = "figure-quoted"     // the message quotes a figure one entry alone gives
	ReasonNoFacet          = "facet-not-covered" // no entry of the topic answers the facet asked
	ReasonUnnamedTopic     = "topic-not-named"   // the best entry is about a topic the question does not name: offered, not answered
	ReasonContext          = "conversation"      // a follow-up, in the topic of the answer before it
	ReasonConfident        = "confident"         // the best entry covers the question, far ahead of the next
	ReasonClearLead        = "clear-lead"        // strong evidence of its own, far ahead of the next
	ReasonClose            = "close-runner-up"   // two or three entries fit about as well: a choice
	ReasonShortUnclear     = "short-unclear"     // a short question with nothing before it
	ReasonWeak             = "weak-evidence"     // nothing fits well enough: the fallback
	ReasonBuried           = "one-sentence"      // one sentence of the message, and only one, gets an answer
	ReasonEmpty            = "empty"             // nothing left once normalized
)

// byTopic is the topic × facet decision: a message that names a topic
// and asks a facet gets the entry of that topic answering the facet,
// whatever else it says; a facet none of the topic's entries answers gets
// an honest reply about that topic; a topic with one entry needs only to
// be named. It reports false when the reading does not decide, and the
// ranking alone decides.
func (b *Bot) byTopic(lang string, rd topicReading, ms []Match, conv *Conversation) (Reply, bool) {
	tr := b.tr
	topics := rd.topics
	if len(topics) == 0 && len(rd.facets) > 0 && conv != nil {
		// "副作用は？" after an answer about the Muse trial.
		if i, ok := tr.topicOf[conv.Entry]; ok {
			topics = []int{i}
		}
	}
	if implied := b.impliedTherapy(rd, ms, conv); implied != nil {
		topics, rd.topics = implied, implied
	}
	if e := rd.quoted; e != nil && (len(topics) == 0 || slices.Contains(topics, tr.topicOf[e.ID])) {
		// 「0.47から0.25ってなんの数字？」: the entry that gives the
		// figures says what they are, whatever else is asked of them.
		r := b.answer(lang, e, coverageOf(ms, e))
		r.Reason = ReasonQuoted
		return r, true
	}
	if len(topics) == 0 && conv == nil && b.rankingAnswers(ms) {
		// The ranking's general entry, for a question naming no topic,
		// may answer all but what decides it ("Is riluzole covered by
		// insurance?" is not whether it is standard treatment).
		strong := tr.strong(rd.facets)
		if t, ok := tr.topicOf[ms[0].Entry.ID]; ok && tr.topics[t].General && !tr.anyShared(strong) {
			if f, ok := tr.decidingGap(tr.generalEntries(), ms[0].Entry, strong); ok {
				return b.noFacetOf(lang, t, f, rd, ms), true
			}
		}
	}
	if len(topics) == 0 && len(tr.strong(rd.facets)) > 0 && conv == nil && !b.rankingAnswers(ms) &&
		(!namesTheUnknown(ms) || tr.asksOfAnySubject(tr.strong(rd.facets))) {
		// A question naming no topic, out of the blue, that the ranking
		// cannot answer, is about ALS and its treatment, this bot's
		// subject: "なおるびょうきですか". Not when words no entry
		// knows carry what it asks of ("hospice options in Tokyo?"):
		// with no topic named, they are its subject. Unless what it
		// asks has one answer whatever the subject (the sources, how
		// to take part): "which documents are you answering from".
		for i, t := range tr.topics {
			if t.General {
				topics = append(topics, i)
			}
		}
	}
	if len(topics) == 0 {
		return Reply{}, false
	}
	if len(topics) > 1 && !tr.topics[topics[0]].General && slices.ContainsFunc(rd.facets, func(f int) bool { return tr.facets[f].Recommends }) {
		// "上清液とミューズどっちがいい？": no source compares them, and
		// the bot recommends none.
		return b.compare(lang, topics), true
	}
	strong := tr.strong(rd.facets)
	if tr.topics[topics[0]].General {
		return b.byGeneralTopic(lang, topics, strong, rd, ms)
	}
	if len(topics) == 1 && len(tr.byTopic[topics[0]]) == 1 {
		e := tr.byTopic[topics[0]][0]
		if f, ok := tr.unanswered(topics, rd.facets); ok && len(strong) == 0 {
			return b.noFacetOf(lang, topics[0], f, rd, ms), true
		}
		for _, f := range strong {
			if tr.facets[f].Decides && !e.Covers(tr.facets[f].ID) {
				return b.noFacetOf(lang, topics[0], f, rd, ms), true
			}
		}
		if len(strong) == 0 || tr.coversAny(e, strong) {
			r := b.answer(lang, e, coverageOf(ms, e))
			r.Reason = ReasonOnlyEntry
			return r, true
		}
	} else if len(strong) == 0 {
		if f, ok := tr.unanswered(topics, rd.facets); ok {
			// Asked in passing, but what it asks ("山中先生がノーベル
			// 賞をとったのは何年？"): the sources give no date.
			return b.noFacetOf(lang, topics[0], f, rd, ms), true
		}
		// Only facets asked in passing ("ってなに", "where"): they
		// choose when one entry alone of the topic answers them.
		return b.byWeakFacets(lang, topics, rd, ms)
	}
	var cands []*knowledge.Entry
	for _, t := range topics {
		cands = append(cands, tr.byTopic[t]...)
	}
	answering := cands
	if tr.asksOfAnySubject(strong) {
		// Where the information comes from is the general entries' to
		// answer, and what they answer with it too: 「この答え、岡山大学
		// の発表がもとになってるの？」 asks the references it rests on.
		answering = append(slices.Clip(cands), tr.generalEntries()...)
	}
	for _, f := range strong {
		if tr.facets[f].Decides && !slices.ContainsFunc(answering, func(e *knowledge.Entry) bool { return e.Covers(tr.facets[f].ID) }) {
			// What it asks above all, the sources of every topic
			// named are silent on ("ALSFRS-Rの満点は？" names the
			// scale and the Muse trial that used it): say so, of
			// the topic the ranking puts first, rather than answer
			// the rest.
			return b.noFacetOf(lang, b.firstRanked(topics, ms), f, rd, ms), true
		}
	}
	if f, ok := tr.unframed(cands, rd.facets); ok {
		// "How many pts will the double-blind Muse study enrol?": the
		// count asked is the next trial's, which no entry gives, not
		// the finished trial's five.
		return b.noFacetOf(lang, b.firstRanked(topics, ms), f, rd, ms), true
	}
	if len(topics) == 1 && !slices.ContainsFunc(answering, func(e *knowledge.Entry) bool { return tr.coversAny(e, strong) }) &&
		slices.ContainsFunc(strong, func(f int) bool { return !tr.facets[f].Shared }) {
		if len(tr.byTopic[topics[0]]) > 1 && b.rankingAnswers(ms) && tr.topicOf[ms[0].Entry.ID] == topics[0] && ms[0].Coverage >= wholeCoverage {
			// A cue read out of its sense ("iPS細胞から作った細胞を
			// 移植する研究": from is not asked), and an entry of the
			// topic that the whole question bears out: the ranking
			// decides. Not for a topic of one entry, which every word
			// of the topic's name bears out: its entry answers only
			// the facets it lists ("ロピニロールは効くの？" is told
			// that the sources give no results, not the entry).
			return Reply{}, false
		}
		// Nothing of the topic answers what is asked, and a general
		// entry would answer only part of it ("STR03の費用は？保険きく？").
		return b.noFacet(lang, topics[0], rd, ms), true
	}
	if tr.anyShared(strong) {
		// How to take part, whether it is standard: the general
		// entries answer that for every topic.
		for i, t := range tr.topics {
			if t.General {
				cands = append(cands, tr.byTopic[i]...)
			}
		}
	}
	best, runner := b.bestCovering(cands, rd, ms)
	switch {
	case best == nil && len(topics) == 1:
		return b.noFacet(lang, topics[0], rd, ms), true
	case best == nil:
		return Reply{}, false
	case len(topics) > 1 && slices.ContainsFunc(strong, func(f int) bool { return tr.facets[f].ID == "comparison" }) && !tr.compares(best, topics):
		// No entry compares the therapies named: say so, rather than
		// answer a comparison of something else.
		return b.compare(lang, topics), true
	case runner != nil:
		r := b.clarify(lang, []Match{matchOf(ms, best), matchOf(ms, runner)})
		r.Reason = ReasonClose
		return r, true
	}
	r := b.answer(lang, best, coverageOf(ms, best))
	r.Reason = ReasonTopicFacet
	return r, true
}

// byGeneralTopic decides for the broad topics, which are named by words
// most questions have (ALS, trial, treatment): the ranking decides when it
// can; when it cannot, the facet asked chooses among the general entries,
// or the reply says the sources are silent on it.
func (b *Bot) byGeneralTopic(lang string, topics, strong []int, rd topicReading, ms []Match) (Reply, bool) {
	if len(strong) == 0 {
		return Reply{}, false
	}
	tr := b.tr
	var general []*knowledge.Entry
	for _, t := range topics {
		general = append(general, tr.byTopic[t]...)
	}
	for _, f := range strong {
		// A detail no entry gives, of the disease or of any
		// therapy ("ALSの進行を遅らせる薬って何という名前？"):
		// the honest reply, whatever the ranking finds, unless a
		// general entry named says itself that the sources do
		// not give it (how to take part says they give no cost):
		// that entry says so, with the rest of what is asked.
		id := tr.facets[f].ID
		if tr.facets[f].Decides && !slices.ContainsFunc(b.kb.Entries, func(e *knowledge.Entry) bool { return e.Covers(id) }) &&
			!slices.ContainsFunc(general, func(e *knowledge.Entry) bool { return e.Addresses(id) }) {
			return b.noFacetOf(lang, topics[0], f, rd, ms), true
		}
	}
	if b.rankingAnswers(ms) {
		e := ms[0].Entry
		ofAStudy := slices.DeleteFunc(slices.Clone(strong), func(f int) bool { return !tr.facets[f].OfAStudy })
		namesStudy := slices.ContainsFunc(rd.facets, func(f int) bool { return tr.facets[f].NamesAStudy })
		i := tr.topicOf[e.ID]
		switch {
		case tr.topics[i].General && !tr.coversAny(e, strong) && ms[0].Coverage < wholeCoverage:
			// The ranking's entry answers none of what is asked
			// ("ホーキング博士は何歳で亡くなったの？" is not what
			// ALS is): the facets choose, below.
		case !tr.topics[i].General && !slices.Contains(topics, i) && !tr.coversAny(e, strong):
			// Nor does an entry of a topic the question does not
			// name ("what does ALS do to the nerves" is not iPS
			// cells' motor neurons): the facets choose, below.
		case tr.topics[i].General:
			if f, ok := tr.decidingGap(general, e, strong); ok {
				return b.noFacetOf(lang, topics[0], f, rd, ms), true
			}
			if best, runner := b.bestCovering(general, rd, ms); best == e && runner == nil {
				// The facets choose the ranking's own entry: no
				// choice is needed, however close the next one
				// ("ALSとはなんですか、父が診断されました").
				r := b.answer(lang, e, ms[0].Coverage)
				r.Reason = ReasonTopicFacet
				return r, true
			}
			return Reply{}, false
		case namesStudy || !tr.coversAny(e, ofAStudy):
			return Reply{}, false
		default:
			// The best entry is about a topic the question does not
			// name, and answers a point only that topic speaks of
			// ("日本にALSの人は何人くらい？" is not the Muse trial's 5
			// patients): not a guess, but offered.
			r := b.fallback(lang, ms[0].Coverage)
			r.Reason = ReasonUnnamedTopic
			r.Suggestions = append([]Suggestion{suggest(e, lang)}, slices.DeleteFunc(r.Suggestions, func(s Suggestion) bool { return s.Entry == e.ID })...)
			return r, true
		}
	}
	best, runner := b.bestCovering(general, rd, ms)
	switch {
	case best == nil:
		return b.noFacet(lang, topics[0], rd, ms), true
	case runner != nil || b.bornOut(rd, matchOf(ms, best)) < b.th.FacetMinCoverage:
		// A choice, or an entry the rest of the question does not
		// bear out ("MS stem cell trial results"): the ranking
		// decides.
		return Reply{}, false
	case best != ms[0].Entry && slices.Contains(general, ms[0].Entry) && tr.coversAny(ms[0].Entry, strong) && ms[0].Coverage > coverageOf(ms, best):
		// Another general entry, answering part of what is asked,
		// that the whole question bears out better (how to take
		// part in a new treatment, told at length): the ranking's.
		best = ms[0].Entry
	}
	if f, ok := tr.decidingGap(general, best, strong); ok {
		return b.noFacetOf(lang, topics[0], f, rd, ms), true
	}
	r := b.answer(lang, best, coverageOf(ms, best))
	r.Reason = ReasonTopicFacet
	return r, true
}

// ofGeneral reports whether e is an entry of a general topic.
func (tr *topicReader) ofGeneral(e *knowledge.Entry) bool {
	t, ok := tr.topicOf[e.ID]
	return ok && tr.topics[t].General
}

// generalEntries are the entries of the general topics.
func (tr *topicReader) generalEntries() []*knowledge.Entry {
	var out []*knowledge.Entry
	for i, t := range tr.topics {
		if t.General {
			out = append(out, tr.byTopic[i]...)
		}
	}
	return out
}

// decidingGap returns a facet asked that decides the answer, which the
// general entry e does not give and no general entry does: e answers part
// of what is asked, but not what decides it ("which drugs slow ALS down?
// names pls": that some do, not their names). A facet of a study (how many
// took part) is not one: the general entries speak of no study. Nor is a
// facet e says itself the sources do not give.
func (tr *topicReader) decidingGap(general []*knowledge.Entry, e *knowledge.Entry, strong []int) (int, bool) {
	for _, f := range strong {
		id := tr.facets[f].ID
		if tr.facets[f].Decides && !tr.facets[f].OfAStudy && !e.Addresses(id) &&
			!slices.ContainsFunc(general, func(g *knowledge.Entry) bool { return g.Covers(id) }) {
			return f, true
		}
	}
	return 0, false
}

// bornOut is how much of the question an entry bears out. When the
// question names its topic, the words no entry knows do not count against
// the entry ("pt's family wants a plain-language explanation of ALS": the
// family and the plain language are the asker's, not the question's); a
// question that names none must be borne out by its own words.
func (b *Bot) bornOut(rd topicReading, m Match) float64 {
	if len(rd.topics) > 0 {
		return m.Known
	}
	return m.Coverage
}

// firstRanked returns the topic, of those named, of the ranking's first
// entry among them, or the first named.
func (b *Bot) firstRanked(topics []int, ms []Match) int {
	for _, m := range ms {
		if i, ok := b.tr.topicOf[m.Entry.ID]; ok && slices.Contains(topics, i) {
			return i
		}
	}
	return topics[0]
}

// unanswered returns the facet that decides, asked of the one topic
// named, that no entry of that topic answers.
func (tr *topicReader) unanswered(topics, facets []int) (int, bool) {
	if len(topics) != 1 {
		return 0, false
	}
	for _, f := range facets {
		if tr.facets[f].Decides && !slices.ContainsFunc(tr.byTopic[topics[0]], func(e *knowledge.Entry) bool { return e.Covers(tr.facets[f].ID) }) {
			return f, true
		}
	}
	return 0, false
}

// topicAlone answers a message that names one topic and asks nothing
// of it ("iPS cells - quick explainer?", once the aside is set apart)
// with the topic's entry on what it is: every entry of the topic matches
// all of its words, so the ranking cannot choose.
func (b *Bot) topicAlone(lang string, topics []int, rd topicReading, ms []Match) (Reply, bool) {
	tr := b.tr
	what, ok := tr.facetIndex["what"]
	if len(topics) != 1 || rd.broad || !ok || len(ms) < 2 || ms[0].Coverage < wholeCoverage || ms[1].Score < ms[0].Score*b.th.ClarifyRatio {
		return Reply{}, false // the ranking can choose
	}
	var e *knowledge.Entry
	for _, c := range tr.byTopic[topics[0]] {
		if c.Covers(tr.facets[what].ID) {
			if e != nil {
				return Reply{}, false
			}
			e = c
		}
	}
	if e == nil || coverageOf(ms, e) < wholeCoverage {
		return Reply{}, false
	}
	r := b.answer(lang, e, coverageOf(ms, e))
	r.Reason = ReasonTopicAlone
	return r, true
}

// narrowed reports whether an entry is about one kind of its topic.
func (tr *topicReader) narrowed(e *knowledge.Entry) bool {
	for _, g := range e.Facets {
		if i := tr.facetIndex[g]; i >= 0 && tr.facets[i].Narrows {
			return true
		}
	}
	return false
}

// sameKind reports whether an entry about one kind of its topic (a
// narrowing facet: dental pulp) fits the kinds the question asks: it asks
// that kind, and no other.
func (tr *topicReader) sameKind(e *knowledge.Entry, asked []int) bool {
	if !tr.narrowed(e) {
		return true
	}
	kinds := 0
	for _, g := range e.Facets {
		if i := tr.facetIndex[g]; i >= 0 && tr.facets[i].Narrows {
			kinds++
		}
	}
	if kinds > 1 && !slices.ContainsFunc(asked, func(f int) bool { return tr.facets[f].Narrows }) {
		return true // an entry on the kinds together ("which type is better")
	}
	some := false
	for _, f := range asked {
		if tr.facets[f].Narrows {
			if !e.Covers(tr.facets[f].ID) {
				return false // asks another kind too
			}
			some = true
		}
	}
	return some
}

// byWeakFacets answers a question that names topics and asks only weak
// facets when exactly one of their entries answers the most of them
// ("jouseieki tte nani?" is conditioned medium's "what").
func (b *Bot) byWeakFacets(lang string, topics []int, rd topicReading, ms []Match) (Reply, bool) {
	tr := b.tr
	if len(rd.facets) == 0 {
		return b.topicAlone(lang, topics, rd, ms)
	}
	var tied []*knowledge.Entry
	bestN := 0
	for _, t := range topics {
		for _, e := range tr.byTopic[t] {
			if !tr.sameKind(e, rd.facets) || slices.Contains(e.Facets, knowledge.AnyFacet) {
				continue
			}
			n, kinds, asked := 0, 0, false
			for _, f := range rd.facets {
				if e.Covers(tr.facets[f].ID) {
					n++
					// The kind alone (歯髄) is the topic's name,
					// not a question about it; two kinds together
					// (「歯髄由来も臍帯由来も…？」) ask about both.
					if tr.facets[f].Narrows {
						kinds++
					} else {
						asked = true
					}
				}
			}
			if !asked && kinds < 2 {
				continue
			}
			switch {
			case n > bestN:
				tied, bestN = []*knowledge.Entry{e}, n
			case n == bestN && n > 0:
				tied = append(tied, e)
			}
		}
	}
	if len(tied) == 0 {
		return Reply{}, false
	}
	// Of entries answering as much, the ranking chooses when the first
	// of them is its first and leads the next clearly ("ムーズ細胞ってどんなもの" is Muse cells' "what", not the
	// scale's, though both are of the Muse topic).
	slices.SortStableFunc(tied, func(x, y *knowledge.Entry) int { return cmp.Compare(matchOf(ms, y).Score, matchOf(ms, x).Score) })
	best := tied[0]
	if len(tied) > 1 && (len(ms) == 0 || ms[0].Entry != best || matchOf(ms, tied[1]).Score >= ms[0].Score*b.th.ClarifyRatio) {
		return Reply{}, false
	}
	if len(ms) > 0 && ms[0].Entry != best && b.confident(ms[0]) && ms[0].Similarity >= nearlyVerbatim {
		// A facet asked in passing does not outweigh an example question
		// matched nearly word for word ("LSIIってなに" is who paid for
		// the Muse trial, not what Muse cells are).
		return Reply{}, false
	}
	r := b.answer(lang, best, coverageOf(ms, best))
	r.Reason = ReasonTopicFacet
	return r, true
}

// strong returns the facets that are not weak, by index.
func (tr *topicReader) strong(facets []int) []int {
	var out []int
	for _, f := range facets {
		if !tr.facets[f].Weak {
			out = append(out, f)
		}
	}
	return out
}

// unframed returns a deciding facet asked with a framing one (what comes
// next) that no candidate answers together with it, or says the sources
// do not give.
func (tr *topicReader) unframed(cands []*knowledge.Entry, facets []int) (int, bool) {
	for _, frame := range facets {
		if !tr.facets[frame].Frames {
			continue
		}
		for _, f := range facets {
			if f == frame || !tr.facets[f].Decides {
				continue
			}
			if !slices.ContainsFunc(cands, func(e *knowledge.Entry) bool {
				return e.Covers(tr.facets[frame].ID) && e.Addresses(tr.facets[f].ID)
			}) {
				return f, true
			}
		}
	}
	return 0, false
}

// implied returns the topic the facets asked imply, when they imply one
// and no other: nil when there is none.
func (tr *topicReader) implied(facets []int) []int {
	var topics []int
	for _, f := range facets {
		if t, ok := tr.index[tr.facets[f].Implies]; ok && !slices.Contains(topics, t) {
			topics = append(topics, t)
		}
	}
	if len(topics) != 1 {
		return nil
	}
	return topics
}

func (tr *topicReader) anyShared(facets []int) bool {
	return slices.ContainsFunc(facets, func(f int) bool { return tr.facets[f].Shared })
}

// asksOfAnySubject reports whether a facet is asked that the general
// entries answer the same of any subject: shared, and not one asked of
// therapies across (the research overall, approval), which needs a
// therapy to be asked of.
func (tr *topicReader) asksOfAnySubject(facets []int) bool {
	return slices.ContainsFunc(facets, func(f int) bool { return tr.facets[f].Shared && !tr.facets[f].Across })
}

// coversAny reports whether e answers any of the facets.
func (tr *topicReader) coversAny(e *knowledge.Entry, facets []int) bool {
	return slices.ContainsFunc(facets, func(f int) bool { return e.Covers(tr.facets[f].ID) })
}

// impliedTherapy returns the one therapy a question that names none is
// read as asked of, by a facet asked of that therapy alone; nil when there
// is none.
//
// "人での試験って大きい規模でやっとるん？" names no topic, but results in
// people are asked of conditioned medium alone: not of the Muse trial the
// ranking puts first; and within it, what is asked decides (「ﾏｳｽの実験で
// 寿命は何日くらい延びたん？」 asks a figure the mouse studies do not
// give). So too when the ranking, unsure, puts that therapy first: "how
// big are the human studies so far" is told the sources' silence of it,
// not of ALS in general. A question about ALS that the ranking answers
// from elsewhere (「前臨床段階ってことは、まだ治療として認められてないっ
// て意味？」), or puts the therapy first by a hair only (「ALS の ひと、
// ことば いえなくなる？」, level with what ALS is), keeps its answer;
// and one naming nothing of ALS, whose subject is words no entry knows
// ("ハムスターとマウスどっちが飼いやすい？"), is not made one of the
// therapy by a word.
func (b *Bot) impliedTherapy(rd topicReading, ms []Match, conv *Conversation) []int {
	tr := b.tr
	implied := tr.implied(tr.strong(rd.facets))
	if implied == nil || conv != nil || tr.namesATherapy(rd) {
		return nil
	}
	ranksIt := len(ms) > 0 && tr.topicOf[ms[0].Entry.ID] == implied[0]
	// With ALS named, the therapy must lead what else ranks by more than
	// a hair: a tie with what ALS is is no reading of the therapy.
	leads := ranksIt && (len(ms) < 2 || tr.topicOf[ms[1].Entry.ID] == implied[0] || ms[1].Score < ms[0].Score*b.th.ClarifyRatio)
	if len(rd.topics) > 0 && leads || // ALS itself, or the research overall
		len(rd.topics) == 0 && (b.rankingAnswers(ms) || ranksIt && !namesTheUnknown(ms)) {
		return implied
	}
	return nil
}

// namesTheUnknown reports whether the best match leaves much of the
// question's weight to words no entry knows: its subject, when the
// question names no topic.
func namesTheUnknown(ms []Match) bool {
	return len(ms) > 0 && ms[0].Coverage < minKnownShare*ms[0].Known
}

// rankingAnswers reports whether the ranking alone would answer: its best
// entry covers the question, or leads the others far on evidence of its
// own. Then it is trusted for a broad topic.
func (b *Bot) rankingAnswers(ms []Match) bool {
	return len(ms) > 0 && (b.confident(ms[0]) || b.clearLead(ms, false))
}

// bestCovering returns the entry of cands that answers the most of the
// facets asked (a weak facet counting half), the higher ranked of those
// that answer as much, and a runner-up when one answers as much and
// ranks about as high (a choice is then offered). nil when none answers a
// facet that is not weak.
func (b *Bot) bestCovering(cands []*knowledge.Entry, rd topicReading, ms []Match) (best, runner *knowledge.Entry) {
	tr := b.tr
	weight := func(e *knowledge.Entry) int {
		if slices.Contains(e.Facets, knowledge.AnyFacet) {
			return 2 // answers whatever is asked, but no facet in particular
		}
		if !tr.sameKind(e, rd.facets) {
			return 0
		}
		n, strong := 0, false
		if tr.narrowed(e) && len(rd.topics) == 1 && slices.ContainsFunc(rd.facets, func(f int) bool { return tr.facets[f].Narrows }) {
			// The entry on the very kind asked (臍帯 and mice: the
			// cord medium's entry, which has its mouse study) comes
			// before the topic's general one.
			n += 2
		}
		// An entry of another topic than the one the question names
		// answers, for the topic named, only what the general entries answer for
		// every topic (where the information comes from), not the rest
		// of what it covers of its own topic.
		foreign := len(rd.topics) == 1 && tr.topicOf[e.ID] != rd.topics[0]
		for _, f := range rd.facets {
			if !e.Covers(tr.facets[f].ID) || foreign && !tr.facets[f].Shared {
				continue
			}
			switch {
			case tr.facets[f].Weak:
				n++
			case tr.facets[f].Frames:
				// What comes next frames the rest: asked with it,
				// results are the next trial's to find out.
				n += 3
				strong = true
			default:
				n += 2
				strong = true
			}
		}
		if !strong {
			return 0
		}
		if len(rd.topics) > 1 && tr.topics[tr.topicOf[e.ID]].General &&
			slices.ContainsFunc(rd.facets, func(f int) bool { return tr.facets[f].Across && e.Covers(tr.facets[f].ID) }) &&
			!slices.ContainsFunc(tr.strong(rd.facets), func(f int) bool { return !e.Covers(tr.facets[f].ID) }) {
			// A question naming several topics, asking only what a
			// general entry answers for every topic ("上清液とか
			// iPSとか、まとめて"): the general entry answers for all.
			n++
		}
		return n
	}
	bestN := 0
	var tied []*knowledge.Entry
	for _, e := range cands {
		switch n := weight(e); {
		case n > bestN:
			bestN, tied = n, []*knowledge.Entry{e}
		case n == bestN && n > 0 && !slices.Contains(tied, e):
			tied = append(tied, e)
		}
	}
	if len(tied) == 0 {
		return nil, nil
	}
	named := func(e *knowledge.Entry) bool { return slices.Contains(rd.topics, tr.topicOf[e.ID]) }
	slices.SortStableFunc(tied, func(x, y *knowledge.Entry) int {
		// An entry of the one topic the question names comes before a
		// general one (a question naming several is better answered
		// for all of them); then the ranking decides.
		if nx, ny := named(x), named(y); nx != ny && len(rd.topics) == 1 {
			if nx {
				return -1
			}
			return 1
		}
		sx, sy := matchOf(ms, x).Score, matchOf(ms, y).Score
		switch {
		case sx > sy:
			return -1
		case sx < sy:
			return 1
		}
		return 0
	})
	if len(tied) > 1 && named(tied[0]) && !named(tied[1]) && tr.ofGeneral(tied[1]) &&
		!slices.ContainsFunc(tr.strong(rd.facets), func(f int) bool { return !tr.facets[f].Shared }) &&
		matchOf(ms, tied[0]).Score < matchOf(ms, tied[1]).Score*b.th.ClarifyRatio {
		// Asked only what the general entries answer for every topic
		// (「Muse細胞の治療ってもう正式な治療として認められてるの？」),
		// and the ranking puts the general entry clearly first: it
		// answers, rather than a choice with the topic's own.
		return tied[1], nil
	}
	best = tied[0]
	if len(tied) > 1 {
		top, next := matchOf(ms, tied[0]), matchOf(ms, tied[1])
		if next.Score > 0 && next.Score >= top.Score*b.th.ClarifyRatio {
			runner = tied[1]
		}
	}
	return best, runner
}

// matchOf is e's match among ms, or a match with no score when the
// ranking did not find it.
func matchOf(ms []Match, e *knowledge.Entry) Match {
	for _, m := range ms {
		if m.Entry == e {
			return m
		}
	}
	return Match{Entry: e}
}

func coverageOf(ms []Match, e *knowledge.Entry) float64 { return matchOf(ms, e).Coverage }

// nearlyVerbatim is the similarity at which a question is one of an
// entry's example questions, give or take a particle.
const nearlyVerbatim = 0.8

// wholeCoverage is the coverage at which the ranking's best entry holds
// every telling word of the question: a facet it does not list was asked
// in passing ("ホーキング博士とおなじ病気ってほんと？" is what ALS is).
const wholeCoverage = 0.9

// minKnownShare is the share of a question's weight that words some entry
// knows must hold (its best match's coverage over its coverage of known
// words) for a question naming no topic to be read as about ALS in
// general. Chosen on the
// training sets: 0.45 refuses "hospice options in Tokyo?" and nothing
// wanted; 0.5 also refuses 「最近の研究で何か明るい話はありますか」.
const minKnownShare = 0.45

// compare replies to "which is better?" across topics: the sources do not
// compare them, the bot recommends none, and here is what is known of
// each (its entry on what it is, else its first).
func (b *Bot) compare(lang string, topics []int) Reply {
	tr := b.tr
	r := b.reply(KindFallback, lang)
	r.Reason = ReasonCompare
	var titles []string
	for _, t := range topics {
		titles = append(titles, tr.topics[t].Title.In(lang))
		entries := tr.byTopic[t]
		if len(entries) == 0 {
			continue
		}
		e := entries[0]
		if i := slices.IndexFunc(entries, func(e *knowledge.Entry) bool { return e.Covers("what") }); i >= 0 {
			e = entries[i]
		}
		r.Suggestions = append(r.Suggestions, suggest(e, lang))
	}
	sep, last := "、", "と"
	if lang == knowledge.EN {
		sep, last = ", ", " and "
	}
	list := strings.Join(titles[:len(titles)-1], sep) + last + titles[len(titles)-1]
	if lang == knowledge.JA {
		list = "「" + strings.Join(titles[:len(titles)-1], "」"+sep+"「") + "」" + last + "「" + titles[len(titles)-1] + "」"
	}
	r.Text = strings.ReplaceAll(b.kb.Messages.Compare.In(lang), "{topics}", list)
	r.Notice = b.kb.Messages.Disclaimer.In(lang)
	return r
}

// noTopicAnswer is the fallback to a question that names one topic but
// that no entry of it answers: what the sources say of that topic.
func (b *Bot) noTopicAnswer(lang string, topic int, r Reply) Reply {
	t := b.tr.topics[topic]
	r.Text = strings.ReplaceAll(b.kb.Messages.NoTopicAnswer.In(lang), "{topic}", t.Title.In(lang))
	r.Suggestions = []Suggestion{}
	for _, e := range b.tr.byTopic[topic] {
		if len(r.Suggestions) == 4 {
			break
		}
		r.Suggestions = append(r.Suggestions, suggest(e, lang))
	}
	return r
}

// noFacetOf is noFacet about facet f, of the facets read.
func (b *Bot) noFacetOf(lang string, topic, f int, rd topicReading, ms []Match) Reply {
	facets := append([]int{f}, slices.DeleteFunc(slices.Clone(rd.facets), func(g int) bool { return g == f })...)
	return b.noFacet(lang, topic, topicReading{facets: facets}, ms)
}

// noFacet is the honest reply to a facet no entry of the topic answers:
// the sources say nothing about it, and here is what they do say.
func (b *Bot) noFacet(lang string, topic int, rd topicReading, ms []Match) Reply {
	tr := b.tr
	t := tr.topics[topic]
	facet := tr.facets[rd.facets[0]]
	for _, f := range rd.facets {
		if !slices.ContainsFunc(tr.byTopic[topic], func(e *knowledge.Entry) bool { return e.Covers(tr.facets[f].ID) }) {
			facet = tr.facets[f]
			break
		}
	}
	r := b.reply(KindFallback, lang)
	r.Reason = ReasonNoFacet
	msg := b.kb.Messages.NoFacet.In(lang)
	if s := facet.NoAnswer.In(lang); s != "" {
		msg = s
	}
	r.Text = b.fill(strings.NewReplacer("{topic}", t.Title.In(lang), "{facet}", facet.Title.In(lang)).Replace(msg), lang)
	// What the sources do say: the topic's entries that answer the rest
	// of what is asked ("minor AEs in the Muse trial?" offers its safety),
	// and a general entry that the ranking puts first and every word it
	// knows of the question bears out (「上清液は大阪だとどこのクリニック
	// で受けられる？」 offers how to take part), then those
	// the ranking puts first ("How long does each Muse infusion take?"
	// offers how it is given), then the others in their order.
	offered := make([]*knowledge.Entry, 0, len(tr.byTopic[topic]))
	strong := tr.strong(rd.facets)
	for _, e := range tr.byTopic[topic] {
		if tr.coversAny(e, strong) {
			offered = append(offered, e)
		}
	}
	if len(ms) > 0 && !t.General && tr.ofGeneral(ms[0].Entry) && ms[0].Known >= wholeCoverage && !slices.Contains(offered, ms[0].Entry) {
		offered = append(offered, ms[0].Entry)
	}
	for _, m := range ms {
		if tr.topicOf[m.Entry.ID] == topic && !slices.Contains(offered, m.Entry) {
			offered = append(offered, m.Entry)
		}
	}
	for _, e := range tr.byTopic[topic] {
		if !slices.Contains(offered, e) {
			offered = append(offered, e)
		}
	}
	for _, e := range offered[:min(len(offered), 4)] {
		r.Suggestions = append(r.Suggestions, suggest(e, lang))
	}
	return r
}

// onlyHiragana reports whether s is written in hiragana alone.
func onlyHiragana(s string) bool {
	for _, r := range s {
		if !unicode.Is(unicode.Hiragana, r) {
			return false
		}
	}
	return s != ""
}
