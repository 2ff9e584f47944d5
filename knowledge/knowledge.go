// Package knowledge holds the curated bilingual knowledge base that the bot
// answers from: entries, synonyms, safety and small-talk rules, fixed
// messages, and the register of source documents every answer cites.
//
// The YAML files beside this package are the knowledge base that ships in the
// binary; maintainers edit them, and Load reads any directory laid out the
// same way so that an edit can be seen without rebuilding.
package knowledge

import (
	"fmt"
	"regexp/syntax"
	"slices"
	"strings"
)

// Languages the knowledge base is written in.
const (
	JA = "ja"
	EN = "en"
)

// Text is one piece of text written in both languages.
type Text struct {
	JA string `yaml:"ja"`
	EN string `yaml:"en"`
}

// In returns the text in lang, falling back to Japanese.
func (t Text) In(lang string) string {
	if lang == EN {
		return t.EN
	}
	return t.JA
}

// Texts is a list of texts in each language, such as example questions.
type Texts struct {
	JA []string `yaml:"ja"`
	EN []string `yaml:"en"`
}

// In returns the texts in lang.
func (t Texts) In(lang string) []string {
	if lang == EN {
		return t.EN
	}
	return t.JA
}

// All returns the texts of both languages.
func (t Texts) All() []string {
	return append(append([]string(nil), t.JA...), t.EN...)
}

// Entry is one answerable topic: how people ask about it and what the bot
// says, with the sources that back the answer.
type Entry struct {
	ID    string `yaml:"id"`
	Topic string `yaml:"topic"`
	// Facets are what the entry answers about its topic (results,
	// safety, who, …), from the closed list in topics.yaml; AnyFacet
	// means whatever is asked about the topic, as for a study the
	// sources only name.
	Facets []string `yaml:"facets"`
	// SilentOn are facets the answer says the sources do not give ("the
	// sources say nothing about cost"): asked one of them, the entry
	// answers, for its answer says so itself, with what it does give.
	SilentOn  []string `yaml:"silent_on"`
	Title     Text     `yaml:"title"`
	Questions Texts    `yaml:"questions"`
	Keywords  []string `yaml:"keywords"`
	// Readings are hiragana spellings of the entry's key terms, so that a
	// question typed in kana alone still finds the entry.
	Readings []string `yaml:"readings"`
	Answer   Text     `yaml:"answer"`
	Sources  []string `yaml:"sources"`
	Related  []string `yaml:"related"`
	// Reviewed is the date (YYYY-MM-DD) a maintainer last checked the entry
	// against its sources.
	Reviewed string `yaml:"reviewed"`
	// AsOf dates a time-bound statement in the answer ("ongoing as of 2025").
	AsOf string `yaml:"as_of"`
	// Quotes are names and titles the answer repeats from its sources on
	// purpose (a company, a journal, a reference's title): the copy check
	// passes over them.
	Quotes []string `yaml:"quotes"`

	Pos Pos `yaml:"-"`
}

// Clinic is the clinic that runs the bot: how a patient reaches a person.
type Clinic struct {
	// Placeholder marks the profile as not yet filled in: replies name
	// no phone or hours, and validate warns.
	Placeholder bool   `yaml:"placeholder"`
	Name        Text   `yaml:"name"`
	Phone       string `yaml:"phone"`
	Hours       Text   `yaml:"hours"`
	Web         string `yaml:"web"`
	// LINE is the clinic's LINE official account id (@…), and Slack the
	// channel where its staff answer (#…).
	LINE  string `yaml:"line"`
	Slack string `yaml:"slack"`
	// OfficeHours are when staff answer in Slack, in Japan time: a
	// patient handed over outside them is told when to expect a reply.
	OfficeHours *OfficeHours `yaml:"office_hours"`

	Pos Pos `yaml:"-"`
}

// OfficeHours are the days and times staff answer, in Japan time.
type OfficeHours struct {
	// Days are mon, tue, wed, thu, fri, sat, sun.
	Days []string `yaml:"days"`
	// From and To are HH:MM, 24-hour.
	From string `yaml:"from"`
	To   string `yaml:"to"`
}

// LatestReview is the month (YYYY-MM) of the newest review of any entry,
// which an answer gives where it says {reviewed}.
func (kb *KB) LatestReview() string {
	latest := ""
	for _, e := range kb.Entries {
		if len(e.Reviewed) >= 7 && e.Reviewed[:7] > latest {
			latest = e.Reviewed[:7]
		}
	}
	return latest
}

// Contact is how to reach the clinic, in lang, for a reply that says
// {clinic}: its name, with its phone and hours once the profile is filled
// in.
func (c Clinic) Contact(lang string) string {
	name := c.Name.In(lang)
	if name == "" {
		name = map[string]string{JA: "クリニック", EN: "the clinic"}[lang]
	}
	if c.Placeholder || c.Phone == "" {
		return name
	}
	var extra []string
	if lang == JA {
		extra = append(extra, "電話 "+c.Phone)
		if h := c.Hours.In(lang); h != "" {
			extra = append(extra, "受付 "+h)
		}
		return name + "（" + strings.Join(extra, "、") + "）"
	}
	extra = append(extra, "phone "+c.Phone)
	if h := c.Hours.In(lang); h != "" {
		extra = append(extra, h)
	}
	return name + " (" + strings.Join(extra, ", ") + ")"
}

// AnyFacet, among an entry's facets, says it answers whatever is asked
// about its topic.
const AnyFacet = "any"

// Topic is a subject the knowledge base answers about: the Muse trial,
// conditioned medium, STR03. A question names it with one of its
// anchors.
type Topic struct {
	ID    string `yaml:"id"`
	Title Text   `yaml:"title"`
	// General marks a broad topic (ALS itself, new therapies in general)
	// that a question is about only when it names no other.
	General bool `yaml:"general"`
	// Anchors are the words that name the topic, in any script.
	Anchors []string `yaml:"anchors"`
	// Affiliations are the places, people and journals of the topic (岡山大学
	// for the Muse trial): they name it too, but give way to an anchor of
	// another topic, since they are named in other questions as well
	// ("iPS細胞は京大で生まれた？" is about iPS cells, not Kyoto
	// University's bosutinib trial).
	Affiliations []string `yaml:"affiliations"`

	Pos Pos `yaml:"-"`
}

// Facet is what a question asks about its topic: results, safety, who,
// how many. Cues are the words that ask it.
type Facet struct {
	ID    string `yaml:"id"`
	Title Text   `yaml:"title"`
	Cues  Texts  `yaml:"cues"`
	// Weak marks a facet a question often asks in passing (what, where,
	// when): alone it does not choose an entry, and it weighs half as
	// much as another when entries are compared.
	Weak bool `yaml:"weak"`
	// Shared marks a facet the general topics' entries answer for every
	// topic (how to take part, whether it is standard treatment).
	Shared bool `yaml:"shared"`
	// Across marks a shared facet that, asked of several topics at once,
	// the general entry answers for all of them: an overview of
	// conditioned medium and iPS cells is the overview's, not iPS cells'.
	Across bool `yaml:"across"`
	// Narrows marks a facet that narrows its topic to one kind (the
	// dental-pulp kind of conditioned medium): an entry listing it
	// answers only the questions that ask it.
	Narrows bool `yaml:"narrows"`
	// OfAStudy marks a point only a particular study has (how many took
	// part, who paid for it): asked without naming the study, the best
	// entry is offered rather than answered ("日本にALSの人は何人？" is
	// not the Muse trial's 5 patients).
	OfAStudy bool `yaml:"of_a_study"`
	// NamesAStudy marks the facet whose cues speak of a study (治験,
	// trial): a question asking it names a study, if not which.
	NamesAStudy bool `yaml:"names_a_study"`
	// Decides marks a facet that, asked and answered by no entry of the
	// topic, decides the reply: the sources' silence on it is said,
	// whatever else the question asks ("STR03は何人参加するの？" is not
	// answered with how to take part).
	Decides bool `yaml:"decides"`
	// Recommends marks the facet that asks which is better: asked of two
	// topics or more, the reply says the sources do not compare them and
	// the bot recommends none, and offers what is known of each.
	Recommends bool `yaml:"recommends"`
	// Frames marks a facet that says what the others asked are of: asked
	// with it, a deciding facet is of what it frames, and only an entry
	// answering both answers ("how many will the next trial enrol?" is
	// not the finished trial's five patients). It also weighs more than
	// what it frames when entries are compared ("what is needed to show
	// it works" asks the next step, not the results).
	Frames bool `yaml:"frames"`
	// Implies names the one topic this facet is asked of: a question
	// asking it and naming no topic is about that one ("人での試験って
	// 大きい規模でやっとるん？" is of conditioned medium, the only
	// therapy the sources follow from animals into people).
	Implies string `yaml:"implies"`
	// Combines lists sets of other facets that, asked together in one
	// sentence, ask this one too: a date and an approval (「いつ国に承認
	// される？」) ask a date still to come, whatever words lie between.
	Combines [][]string `yaml:"combines"`
	// NoAnswer, when set, is the honest reply to this facet asked of a
	// topic whose entries do not answer it, instead of the no_facet
	// message: what a careful answer says when the sources are silent
	// (on cost: unproven treatments may be sold; ask before paying).
	// {topic} is replaced by the topic's title.
	NoAnswer Text `yaml:"no_answer"`

	Pos Pos `yaml:"-"`
}

// Covers reports whether e answers facet f of its topic.
func (e *Entry) Covers(f string) bool {
	for _, g := range e.Facets {
		if g == f || g == AnyFacet {
			return true
		}
	}
	return false
}

// Addresses reports whether e answers facet f of its topic, or says that
// the sources do not give it.
func (e *Entry) Addresses(f string) bool {
	return e.Covers(f) || slices.Contains(e.SilentOn, f)
}

// Rule is a safety or small-talk rule, checked in order before retrieval.
type Rule struct {
	ID string `yaml:"id"`
	// Patterns are regular expressions matched against the normalized
	// message; any one of them fires the rule.
	Patterns Texts `yaml:"patterns"`
	// Except cancels the rule when one of these matches, so that negations
	// ("息は苦しくない") and other topics do not trip it.
	Except Texts `yaml:"except"`
	// ExceptInGeneral cancels the rule like Except, but only when no
	// pattern of Someone matches: a question about the disease or a drug
	// in general ("ALSで息ができなくなるのはなぜ？") is not an emergency,
	// but the same question after "父が息ができない" is.
	ExceptInGeneral Texts `yaml:"except_in_general"`
	// Someone are the words that make the message about someone in
	// particular, now: they keep ExceptInGeneral from cancelling. For an
	// emergency, a person or a moment (父が, my dad, 今, right now); for a
	// treatment decision, a change to the treatment one has (薬をやめて),
	// or a patient of one's own to recommend something to (佐藤さんに…勧め).
	Someone Texts `yaml:"someone"`
	// Whole makes the patterns match the whole message (punctuation and
	// spaces aside) rather than any part of it; for greetings and thanks,
	// which should not swallow a real question.
	Whole bool `yaml:"whole"`
	Reply Text `yaml:"reply"`
	// Then says what follows the reply: "" for nothing, "answer" for the
	// best matching entry (when confident), "answer-if-asked" for it when
	// the message also asks a question, "menu" for the topic menu.
	Then string `yaml:"then"`
	// Urgent marks a rule whose message must be answered whatever else
	// is going on (an emergency, a crisis): no rate limit turns it away.
	Urgent bool `yaml:"urgent"`
	// Calls are the numbers the reply tells people to call, first the
	// one to call first: each adapter makes them one tap to dial.
	Calls []Call `yaml:"calls"`
	// Concepts fire the rule when every lexicon of one of them has a
	// word in the message, all within Window letters of each other, in
	// any order: [breath, unable] is 息が吸えなくなってきた,
	// いきができてない and "can't breathe" alike, without listing each
	// conjugation. The lexicons are declared in the same file.
	Concepts [][]string `yaml:"concepts"`
	// Window is how many letters may separate the words of a concept;
	// 0 means DefaultWindow.
	Window int `yaml:"window"`

	Pos Pos `yaml:"-"`

	// parsed holds the syntax tree of each pattern (and exception), as
	// parsed when the rule was read, so that the bot need not parse it
	// again; unparsed holds why the others cannot be parsed.
	parsed   map[string]*syntax.Regexp
	unparsed map[string]error
	// badConcept names, by concept, the unknown lexicon that keeps it
	// from being read, and conceptErr the first of its words that does
	// not parse.
	badConcept map[int]string
	conceptErr map[int]error
	// lexicons are, for each concept, the words of each of its lexicons.
	lexicons [][][]string
}

// ConceptLexicons returns, for each of the rule's concepts, the words of
// each lexicon it combines (nil for a concept that names an unknown one).
func (r *Rule) ConceptLexicons() [][][]string { return r.lexicons }

// ConceptWindow is the rule's window, its default applied.
func (r *Rule) ConceptWindow() int {
	if r.Window <= 0 {
		return DefaultWindow
	}
	return r.Window
}

// HelpLine is one number a reply gives (119, a crisis line), as checked:
// who runs it, its hours and cost, and where and when a maintainer last
// checked them, so that validate warns when the check is old or was not
// made on the operator's own page.
type HelpLine struct {
	Number   string `yaml:"number"`
	Name     Text   `yaml:"name"`
	Operator string `yaml:"operator"`
	// Page is the operator's own page for the line.
	Page string `yaml:"page"`
	// Hours are its hours and cost, as checked, for maintainers.
	Hours Text `yaml:"hours"`
	// Checked is the date (YYYY-MM-DD) of the last check, and
	// CheckedAt the pages it was made against.
	Checked   string   `yaml:"checked"`
	CheckedAt []string `yaml:"checked_at"`
	// OperatorChecked says the check was made on the operator's own
	// page; until it is, validate warns.
	OperatorChecked bool `yaml:"operator_checked"`

	Pos Pos `yaml:"-"`
}

// Call is a number a reply tells people to call.
type Call struct {
	// Number is what to dial: digits and hyphens (119, 0120-279-338).
	Number string `yaml:"number"`
	// Label names the call on a button (119番に電話 / Call 119).
	Label Text `yaml:"label"`
}

// DefaultWindow is how many letters may separate the words of a concept
// when a rule does not say.
const DefaultWindow = 12

// Lexicon is a named list of words (regular-expression fragments) that
// mean one thing for the rules: breath, unable, overdose.
type Lexicon struct {
	Name  string   `yaml:"name"`
	Words []string `yaml:"words"`
}

// combine finds the words of the lexicons each of the rule's concepts
// combines, among the lexicons of its file, and the first that does not
// parse (wordErr: each word of the file's lexicons, parsed once).
func (r *Rule) combine(lexicons map[string][]string, wordErr map[string]error) {
	r.badConcept, r.conceptErr, r.lexicons = map[int]string{}, map[int]error{}, nil
	for i, c := range r.Concepts {
		var lex [][]string
		for _, name := range c {
			words, ok := lexicons[name]
			if !ok || len(words) == 0 {
				r.badConcept[i] = name
				break
			}
			lex = append(lex, words)
			for _, w := range words {
				if err := wordErr[w]; err != nil && r.conceptErr[i] == nil {
					r.conceptErr[i] = fmt.Errorf("%q: %w", w, err)
				}
			}
		}
		if _, bad := r.badConcept[i]; bad || len(lex) == 0 {
			lex = nil
		}
		r.lexicons = append(r.lexicons, lex)
	}
}

// Parsed returns the syntax tree of one of the rule's patterns or
// exceptions, as parsed (Perl flags) when the rule was read, or nil.
// The tree is shared: read it, do not change it.
func (r *Rule) Parsed(pattern string) *syntax.Regexp {
	return r.parsed[pattern]
}

// parsePatterns parses the rule's patterns and exceptions. Parsing finds
// every mistake a maintainer makes in one; the bot compiles the patterns
// it runs from these trees when folding leaves them as they are.
func (r *Rule) parsePatterns() {
	r.parsed, r.unparsed = map[string]*syntax.Regexp{}, map[string]error{}
	for _, p := range slices.Concat(r.Patterns.All(), r.Except.All(), r.ExceptInGeneral.All(), r.Someone.All()) {
		if p == "" {
			continue
		}
		tree, err := syntax.Parse(p, syntax.Perl)
		if err != nil {
			r.unparsed[p] = err
			continue
		}
		r.parsed[p] = tree
	}
}

// Messages are the bot's fixed messages.
type Messages struct {
	Fallback   Text `yaml:"fallback"`
	Clarify    Text `yaml:"clarify"`
	Disclaimer Text `yaml:"disclaimer"`
	Menu       Text `yaml:"menu"`
	Welcome    Text `yaml:"welcome"`
	TextOnly   Text `yaml:"text_only"`
	// About says what the bot is and how to reach a person: {clinic} is
	// the clinic's contact, {reviewed} the month of the latest review.
	About Text `yaml:"about"`
	// NoFacet is the honest reply to a question about a topic the
	// sources cover, on a point they do not: {topic} and {facet} are
	// replaced by their titles.
	NoFacet Text `yaml:"no_facet"`
	// NoTopicAnswer is the reply to a question that names a topic but
	// that no entry of it answers: {topic} is replaced by its title.
	NoTopicAnswer Text `yaml:"no_topic_answer"`
	// Compare is the reply to "which is better?" across topics: {topics}
	// is replaced by their titles.
	Compare Text `yaml:"compare"`
	// UnknownRemedy is the reply to whether a treatment no entry speaks
	// of works ("ケトン食はALSに効きますか"): {remedy} is replaced by it,
	// as the question wrote it. When empty, the fallback is given.
	UnknownRemedy Text `yaml:"unknown_remedy"`
}

// OtherUses are subjects refused unless the question also names one of
// Unless: "ボスチニブは白血病だと何錠？" is refused, "白血病の薬をALSに使う
// 試験" is not.
//
// Treated are conditions the sources speak of, but never as something
// these therapies treat (cancer, a risk of injecting cells): a question
// whether one of them helps with such a condition is refused, whatever
// else it names ("Does iPS cell therapy work for cancer?").
type OtherUses struct {
	Words   []string `yaml:"words"`
	Unless  []string `yaml:"unless"`
	Treated []string `yaml:"treated,omitempty"`
}

// SynonymGroup is a set of surface forms that mean the same thing.
type SynonymGroup struct {
	Forms []string
	Pos   Pos
}

// Source is one document in the source register.
type Source struct {
	ID        string `yaml:"id"`
	Kind      string `yaml:"kind"`
	Title     string `yaml:"title"`
	TitleEN   string `yaml:"title_en"`
	Publisher string `yaml:"publisher"`
	// PublisherEN names the publisher for English readers.
	PublisherEN string   `yaml:"publisher_en"`
	Authors     []string `yaml:"authors"`
	Date        string   `yaml:"date"`
	URL         string   `yaml:"url"`
	DOI         string   `yaml:"doi"`
	Lang        string   `yaml:"lang"`
	// Document names the copy of the source kept in shared/seeds, if any.
	Document string `yaml:"document"`
	// Facts are what the source supports, in the register's own words,
	// with every figure exact.
	Facts []string `yaml:"facts"`

	Pos Pos `yaml:"-"`
}

// TitleIn returns the source's title for a reader of lang: the English
// title when there is one and the reader reads English.
func (s *Source) TitleIn(lang string) string {
	if lang == EN && s.TitleEN != "" {
		return s.TitleEN
	}
	return s.Title
}

// PublisherIn returns the publisher's name for a reader of lang.
func (s *Source) PublisherIn(lang string) string {
	if lang == EN && s.PublisherEN != "" {
		return s.PublisherEN
	}
	return s.Publisher
}

// Link returns the source's URL, or its DOI as a URL when it has no URL.
func (s *Source) Link() string {
	if s.URL != "" {
		return s.URL
	}
	if s.DOI != "" {
		return "https://doi.org/" + strings.TrimPrefix(s.DOI, "https://doi.org/")
	}
	return ""
}

// Pos is a position in a YAML file, for problems a maintainer can jump to.
type Pos struct {
	File string
	Line int
}

// KB is a loaded, validated knowledge base.
type KB struct {
	Entries  []*Entry
	Rules    []*Rule
	Synonyms []SynonymGroup
	Messages Messages
	// Menu lists the entry ids offered as the topic menu.
	Menu []string
	// OffTopic lists words naming subjects the bot does not cover (other
	// diseases, for instance); a question built around one is refused.
	OffTopic []string
	// HelpLines is the register of the numbers replies give.
	HelpLines []*HelpLine
	// OtherUses are the other diseases the sources' drugs and cells are
	// used or tried for: a question naming one is refused unless it also
	// names ALS itself.
	OtherUses OtherUses
	// Fillers are words that set the scene of a question without naming
	// its topic ("母が", "ネットで見た", "I read"); retrieval ignores them.
	Fillers []string
	// TopicSwitches are the phrases that leave small talk for the question
	// ("ゲームで負けまくった。ところでALSって治る？"): what comes before
	// the last of them is not read for the answer, though the safety rules
	// read the whole message.
	TopicSwitches []string
	// Symbols say what a message of symbols alone means: 🙏 sent by
	// itself is read as ありがとう.
	Symbols map[string]string
	// ReplyIn are the phrases that ask for a reply language: JA lists
	// those asking for Japanese (日本語で, "in Japanese please"), EN
	// those asking for English (英語で, "in English").
	ReplyIn Texts
	// Lexicons are the words the rules combine in concepts, as declared.
	Lexicons []Lexicon
	// Topics and Facets are the closed lists entries are filed under.
	Topics  []*Topic
	Facets  []*Facet
	Sources []*Source
	// Clinic is the clinic's profile.
	Clinic Clinic

	entries map[string]*Entry
	sources map[string]*Source
}

// Topic returns the topic with the given id.
func (kb *KB) Topic(id string) (*Topic, bool) {
	for _, t := range kb.Topics {
		if t.ID == id {
			return t, true
		}
	}
	return nil, false
}

// Entry returns the entry with the given id.
func (kb *KB) Entry(id string) (*Entry, bool) {
	e, ok := kb.entries[id]
	return e, ok
}

// Source returns the source with the given id.
func (kb *KB) Source(id string) (*Source, bool) {
	s, ok := kb.sources[id]
	return s, ok
}
