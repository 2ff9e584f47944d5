package knowledge

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf16"
)

// MaxAnswerUnits is the longest answer allowed, in UTF-16 code units: the
// length of one LINE text message, so that every answer fits in one.
const MaxAnswerUnits = 5000

// Source kinds the register knows.
var sourceKinds = map[string]bool{"press-release": true, "blog": true, "paper": true, "registry": true}

var phoneNumber = regexp.MustCompile(`^[0-9]+(-[0-9]+)*$`)

var idPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// check validates the loaded knowledge base as a whole: required text,
// references between entries, sources and the menu, and rule patterns.
func (l *loader) check() {
	kb := l.kb
	for _, s := range kb.Sources {
		l.checkSource(s)
	}
	for _, e := range kb.Entries {
		if first, dup := kb.entries[e.ID]; dup {
			l.addf(l.line(e, "id", e.Pos), "duplicate entry id %q (first at %s:%d)", e.ID, first.Pos.File, first.Pos.Line)
			continue
		}
		kb.entries[e.ID] = e
	}
	l.checkTopics()
	for _, e := range kb.Entries {
		l.checkEntry(e)
	}
	used := map[string]bool{}
	for _, e := range kb.Entries {
		used[e.Topic] = true
	}
	for _, t := range kb.Topics {
		if !used[t.ID] {
			l.addf(t.Pos, "topic %q has no entries", t.ID)
		}
	}
	rules := map[string]*Rule{}
	for _, r := range kb.Rules {
		if first, dup := rules[r.ID]; dup {
			l.addf(l.line(r, "id", r.Pos), "duplicate rule id %q (first at %s:%d)", r.ID, first.Pos.File, first.Pos.Line)
		}
		rules[r.ID] = r
		l.checkRule(r)
	}
	l.checkSynonyms()
	l.checkMessages()
	l.checkHelpLines()
	l.checkOfficeHours()
	for i, id := range kb.Menu {
		if _, ok := kb.entries[id]; !ok {
			l.addf(l.line(&kb.Menu, fmt.Sprintf(".%d", i), l.menu), "menu names unknown entry %q", id)
		}
	}
	if len(kb.Menu) == 0 {
		l.addf(Pos{File: "knowledge"}, "no menu: list the entry ids offered as topics under menu:")
	}
}

func (l *loader) checkSource(s *Source) {
	at := func(field string) Pos { return l.line(s, field, s.Pos) }
	switch {
	case s.ID == "":
		l.addf(s.Pos, "source has no id")
	case !idPattern.MatchString(s.ID):
		l.addf(at("id"), "source id %q: use lower-case letters, digits and dashes", s.ID)
	}
	if first, dup := l.kb.sources[s.ID]; dup {
		l.addf(at("id"), "duplicate source id %q (first at %s:%d)", s.ID, first.Pos.File, first.Pos.Line)
	}
	l.kb.sources[s.ID] = s
	if s.Title == "" {
		l.addf(s.Pos, "source %q has no title", s.ID)
	}
	if s.Publisher == "" && len(s.Authors) == 0 {
		l.addf(s.Pos, "source %q names neither publisher nor authors", s.ID)
	}
	if !sourceKinds[s.Kind] {
		l.addf(at("kind"), "source %q: kind %q is not one of press-release, blog, paper, registry", s.ID, s.Kind)
	}
	if s.Lang != JA && s.Lang != EN {
		l.addf(at("lang"), "source %q: lang %q is not ja or en", s.ID, s.Lang)
	}
	if err := checkPublished(s.Date); err != nil {
		l.addf(at("date"), "source %q: date: %v", s.ID, err)
	}
	if s.URL == "" && s.DOI == "" && s.Document == "" {
		l.addf(s.Pos, "source %q has no url, doi or document: a reader could not find it", s.ID)
	}
	if len(s.Facts) == 0 {
		l.addf(s.Pos, "source %q lists no facts", s.ID)
	}
}

func (l *loader) checkEntry(e *Entry) {
	at := func(field string) Pos { return l.line(e, field, e.Pos) }
	switch {
	case e.ID == "":
		l.addf(e.Pos, "entry has no id")
		return
	case !idPattern.MatchString(e.ID):
		l.addf(at("id"), "entry id %q: use lower-case letters, digits and dashes", e.ID)
	}
	l.bothLanguages(e.Title, at("title"), fmt.Sprintf("entry %q: title", e.ID))
	l.bothLanguages(e.Answer, at("answer"), fmt.Sprintf("entry %q: answer", e.ID))
	if len(e.Questions.JA) == 0 {
		l.addf(at("questions"), "entry %q has no ja example questions", e.ID)
	}
	if len(e.Questions.EN) == 0 {
		l.addf(at("questions"), "entry %q has no en example questions", e.ID)
	}
	for _, lang := range []string{JA, EN} {
		if n := len(utf16.Encode([]rune(e.Answer.In(lang)))); n > MaxAnswerUnits {
			l.addf(at("answer."+lang), "entry %q: %s answer is %d UTF-16 units, longer than one LINE message (%d)", e.ID, lang, n, MaxAnswerUnits)
		}
	}
	for _, lang := range []string{JA, EN} {
		l.checkTone(e.Answer.In(lang), at("answer."+lang), fmt.Sprintf("entry %q: the %s answer", e.ID, lang))
	}
	if len(e.Sources) == 0 {
		l.addf(e.Pos, "entry %q cites no source: every answer must say where it comes from", e.ID)
	}
	for i, id := range e.Sources {
		if _, ok := l.kb.sources[id]; !ok {
			l.addf(at(fmt.Sprintf("sources.%d", i)), "entry %q cites unknown source %q", e.ID, id)
		}
	}
	for i, id := range e.Related {
		if _, ok := l.kb.entries[id]; !ok {
			l.addf(at(fmt.Sprintf("related.%d", i)), "entry %q: related entry %q does not exist", e.ID, id)
		} else if id == e.ID {
			l.addf(at(fmt.Sprintf("related.%d", i)), "entry %q lists itself as related", e.ID)
		}
	}
	for i, r := range e.Readings {
		if !isKana(r) {
			l.addf(at(fmt.Sprintf("readings.%d", i)), "entry %q: reading %q is not written in hiragana", e.ID, r)
		}
	}
	if err := checkDate(e.Reviewed); err != nil {
		l.addf(at("reviewed"), "entry %q: reviewed: %v", e.ID, err)
	}
	if len(l.kb.Topics) == 0 {
		return // a knowledge base without topics files entries by name alone
	}
	if _, ok := l.topics[e.Topic]; !ok {
		l.addf(at("topic"), "entry %q: topic %q is not declared under topics:", e.ID, e.Topic)
	}
	if len(e.Facets) == 0 {
		l.addf(at("facets"), "entry %q names no facets: say what it answers about its topic (results, safety, who, …, or any)", e.ID)
	}
	for i, f := range e.Facets {
		if _, ok := l.facets[f]; !ok && f != AnyFacet {
			l.addf(at(fmt.Sprintf("facets.%d", i)), "entry %q: facet %q is not declared under facets:", e.ID, f)
		}
	}
	for i, f := range e.Facets {
		if fc, ok := l.facets[f]; ok && fc.Implies != "" && fc.Implies != e.Topic {
			l.addf(at(fmt.Sprintf("facets.%d", i)), "entry %q answers facet %q, which implies topic %q: file the entry under that topic, or drop implies", e.ID, f, fc.Implies)
		}
	}
	for i, f := range e.SilentOn {
		switch _, ok := l.facets[f]; {
		case !ok:
			l.addf(at(fmt.Sprintf("silent_on.%d", i)), "entry %q: silent_on facet %q is not declared under facets:", e.ID, f)
		case e.Covers(f):
			l.addf(at(fmt.Sprintf("silent_on.%d", i)), "entry %q both answers facet %q and is silent on it: keep it in one of facets and silent_on", e.ID, f)
		}
	}
}

// checkTopics checks the topics and facets, and indexes them for the
// entries' checks.
func (l *loader) checkTopics() {
	l.topics, l.facets = map[string]*Topic{}, map[string]*Facet{}
	for _, t := range l.kb.Topics {
		at := func(field string) Pos { return l.line(t, field, t.Pos) }
		if first, dup := l.topics[t.ID]; dup {
			l.addf(at("id"), "duplicate topic id %q (first at %s:%d)", t.ID, first.Pos.File, first.Pos.Line)
		}
		l.topics[t.ID] = t
		l.bothLanguages(t.Title, at("title"), fmt.Sprintf("topic %q: title", t.ID))
		if len(t.Anchors) == 0 {
			l.addf(at("anchors"), "topic %q has no anchors: the words that name it", t.ID)
		}
	}
	for _, f := range l.kb.Facets {
		at := func(field string) Pos { return l.line(f, field, f.Pos) }
		if first, dup := l.facets[f.ID]; dup || f.ID == AnyFacet {
			if dup {
				l.addf(at("id"), "duplicate facet id %q (first at %s:%d)", f.ID, first.Pos.File, first.Pos.Line)
			} else {
				l.addf(at("id"), "facet id %q is reserved: an entry lists it to answer every facet", f.ID)
			}
		}
		l.facets[f.ID] = f
		l.bothLanguages(f.Title, at("title"), fmt.Sprintf("facet %q: title", f.ID))
		if f.NoAnswer.JA != "" || f.NoAnswer.EN != "" {
			l.bothLanguages(f.NoAnswer, at("no_answer"), fmt.Sprintf("facet %q: no_answer", f.ID))
		}
		if _, ok := l.topics[f.Implies]; f.Implies != "" && !ok {
			l.addf(at("implies"), "facet %q implies topic %q, which is not declared under topics:", f.ID, f.Implies)
		}
		if len(f.Cues.JA) == 0 || len(f.Cues.EN) == 0 {
			l.addf(at("cues"), "facet %q needs cues in both ja and en", f.ID)
		}
	}
	for _, f := range l.kb.Facets {
		for i, set := range f.Combines {
			at := l.line(f, "combines", f.Pos)
			if len(set) < 2 {
				l.addf(at, "facet %q: combination %d names %d facet(s): it needs two or more, which asked together ask this one", f.ID, i+1, len(set))
			}
			for _, id := range set {
				if _, ok := l.facets[id]; !ok || id == f.ID {
					l.addf(at, "facet %q combines %q, which is not another facet declared under facets:", f.ID, id)
				}
			}
		}
	}
	if len(l.kb.Topics) == 0 && len(l.kb.Facets) > 0 {
		l.addf(Pos{File: "knowledge"}, "facets without topics: declare the topics entries are filed under (topics.yaml)")
	}
}

// bothLanguages reports what (such as `entry "x": title`) when it lacks
// the text of a language.
func (l *loader) bothLanguages(t Text, pos Pos, what string) {
	for _, lang := range []string{JA, EN} {
		if strings.TrimSpace(t.In(lang)) == "" {
			l.addf(pos, "%s has no %s text", what, lang)
		}
	}
}

// ruleThens are the things that may follow a rule's reply.
var ruleThens = map[string]bool{"": true, "answer": true, "answer-if-asked": true, "menu": true}

// bareNo is a reply opening with a flat no: read by a frightened relative
// ("また歩けるようになる？" → "いいえ。"), it shuts the door before the rest
// is read.
var bareNo = regexp.MustCompile(`^\s*(?:いいえ|いや|ありません|できません|無理です|no|nope|sadly,? no|unfortunately,? no)\s*[。、．，！!.,:;]`)

// checkTone holds a reply to the house rules of tone: it does not open
// with a bare no. What is not so, say as what is ("まだ標準治療には
// なっていません", "not standard treatment yet").
func (l *loader) checkTone(text string, pos Pos, what string) {
	if m := bareNo.FindString(strings.ToLower(text)); m != "" {
		l.addf(pos, "%s opens with a bare no (%q): start with what is known, kindly (\"まだ…ではありません\", \"not yet…\")", what, strings.TrimSpace(m))
	}
}

func (l *loader) checkRule(r *Rule) {
	at := func(field string) Pos { return l.line(r, field, r.Pos) }
	if r.ID == "" {
		l.addf(r.Pos, "rule has no id")
	}
	if len(r.Concepts) == 0 && (len(r.Patterns.JA) == 0 || len(r.Patterns.EN) == 0) {
		l.addf(at("patterns"), "rule %q needs patterns in both ja and en, or concepts", r.ID)
	}
	for i, c := range r.Concepts {
		switch name, bad := r.badConcept[i]; {
		case len(c) < 2 || len(c) > 3:
			l.addf(at(fmt.Sprintf("concepts.%d", i)), "rule %q: a concept combines two or three lexicons, not %d", r.ID, len(c))
		case bad:
			l.addf(at(fmt.Sprintf("concepts.%d", i)), "rule %q: lexicon %q is not declared (under lexicons: in this file), or is empty", r.ID, name)
		default:
			if err := r.conceptErr[i]; err != nil {
				l.addf(at(fmt.Sprintf("concepts.%d", i)), "rule %q: concept %v does not compile: %v", r.ID, c, err)
			}
		}
	}
	for _, list := range []struct {
		field string
		pats  Texts
	}{{"patterns", r.Patterns}, {"except", r.Except}, {"except_in_general", r.ExceptInGeneral}, {"someone", r.Someone}} {
		for _, lang := range []string{JA, EN} {
			for i, p := range list.pats.In(lang) {
				if err := r.unparsed[p]; err != nil {
					l.addf(at(fmt.Sprintf("%s.%s.%d", list.field, lang, i)), "rule %q: pattern %q does not compile: %v", r.ID, p, err)
				}
			}
		}
	}
	l.bothLanguages(r.Reply, at("reply"), fmt.Sprintf("rule %q: reply", r.ID))
	for _, lang := range []string{JA, EN} {
		l.checkTone(r.Reply.In(lang), at("reply."+lang), fmt.Sprintf("rule %q: the %s reply", r.ID, lang))
	}
	for i, c := range r.Calls {
		if !phoneNumber.MatchString(c.Number) {
			l.addf(at(fmt.Sprintf("calls.%d", i)), "rule %q: call %q is not a phone number (digits and hyphens)", r.ID, c.Number)
		}
		l.bothLanguages(c.Label, at(fmt.Sprintf("calls.%d", i)), fmt.Sprintf("rule %q: call %s: label", r.ID, c.Number))
	}
	if !ruleThens[r.Then] {
		l.addf(at("then"), "rule %q: then %q is not one of answer, answer-if-asked, menu (or empty)", r.ID, r.Then)
	}
}

func (l *loader) checkSynonyms() {
	seen := map[string]Pos{}
	for _, g := range l.kb.Synonyms {
		if len(g.Forms) < 2 {
			l.addf(g.Pos, "a synonym group needs at least two forms")
		}
		for _, f := range g.Forms {
			k := strings.ToLower(strings.TrimSpace(f))
			if k == "" {
				l.addf(g.Pos, "empty synonym")
				continue
			}
			if first, dup := seen[k]; dup && first != g.Pos {
				l.addf(g.Pos, "synonym %q is also in the group at %s:%d", f, first.File, first.Line)
			}
			seen[k] = g.Pos
		}
	}
}

func (l *loader) checkMessages() {
	m := &l.kb.Messages
	if l.messages.File == "" {
		l.addf(Pos{File: "knowledge"}, "no messages: fallback, clarify, disclaimer, menu, welcome, text_only and about are needed")
		return
	}
	for _, f := range []struct {
		name string
		t    Text
	}{
		{"fallback", m.Fallback}, {"clarify", m.Clarify}, {"disclaimer", m.Disclaimer},
		{"menu", m.Menu}, {"welcome", m.Welcome}, {"text_only", m.TextOnly}, {"about", m.About},
		{"no_facet", m.NoFacet}, {"no_topic_answer", m.NoTopicAnswer}, {"compare", m.Compare},
		{"unknown_remedy", m.UnknownRemedy},
	} {
		if f.name == "unknown_remedy" && f.t.JA == "" && f.t.EN == "" {
			continue // optional: the fallback is given instead
		}
		if len(l.kb.Topics) == 0 && (f.name == "no_facet" || f.name == "no_topic_answer" || f.name == "compare") {
			continue // needed only to reply by topic
		}
		l.bothLanguages(f.t, l.line(m, f.name, l.messages), "message "+f.name)
	}
}

func checkDate(s string) error {
	if s == "" {
		return fmt.Errorf("missing (write YYYY-MM-DD)")
	}
	if _, err := time.Parse(time.DateOnly, s); err != nil {
		return fmt.Errorf("%q is not a date (write YYYY-MM-DD)", s)
	}
	return nil
}

// checkPublished accepts a publication date as precise as the source
// gives it: YYYY, YYYY-MM or YYYY-MM-DD.
func checkPublished(s string) error {
	for _, layout := range []string{"2006", "2006-01", time.DateOnly} {
		if _, err := time.Parse(layout, s); err == nil {
			return nil
		}
	}
	return fmt.Errorf("%q is not a date (write YYYY, YYYY-MM or YYYY-MM-DD)", s)
}

// isKana reports whether s is written in hiragana (with the long-vowel
// mark and spaces allowed).
func isKana(s string) bool {
	if strings.TrimSpace(s) == "" {
		return false
	}
	for _, r := range s {
		if !unicode.Is(unicode.Hiragana, r) && r != 'ー' && r != ' ' {
			return false
		}
	}
	return true
}

// checkHelpLines checks the register of numbers, and that every number a
// rule gives is in it: a number on a crisis reply is one someone in
// despair will dial.
func (l *loader) checkHelpLines() {
	known := map[string]*HelpLine{}
	for _, h := range l.kb.HelpLines {
		at := func(field string) Pos { return l.line(h, field, h.Pos) }
		if first, dup := known[h.Number]; dup {
			l.addf(at("number"), "help line %s is listed twice (first at %s:%d)", h.Number, first.Pos.File, first.Pos.Line)
		}
		known[h.Number] = h
		if !phoneNumber.MatchString(h.Number) {
			l.addf(at("number"), "help line %q: a number is digits and hyphens", h.Number)
		}
		l.bothLanguages(h.Name, at("name"), fmt.Sprintf("help line %s: name", h.Number))
		l.bothLanguages(h.Hours, at("hours"), fmt.Sprintf("help line %s: hours", h.Number))
		if _, err := time.Parse(time.DateOnly, h.Checked); err != nil {
			l.addf(at("checked"), "help line %s: checked %q is not a date (YYYY-MM-DD): say when its number and hours were last checked", h.Number, h.Checked)
		}
		if len(h.CheckedAt) == 0 {
			l.addf(at("checked_at"), "help line %s: checked_at lists no page: say where it was checked", h.Number)
		}
	}
	for _, r := range l.kb.Rules {
		for i, c := range r.Calls {
			if _, ok := known[c.Number]; !ok {
				l.addf(l.line(r, fmt.Sprintf("calls.%d", i), r.Pos), "rule %q gives %s, which the register of help lines (help_lines) does not list: record who runs it, its hours, and where and when you checked them", r.ID, c.Number)
			}
		}
	}
}

var weekdays = map[string]time.Weekday{"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday, "thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday}

// checkOfficeHours checks the clinic's office hours: known days, times
// HH:MM with the end after the start.
func (l *loader) checkOfficeHours() {
	h := l.kb.Clinic.OfficeHours
	if h == nil {
		return
	}
	for _, d := range h.Days {
		if _, ok := weekdays[d]; !ok {
			l.addf(l.kb.Clinic.Pos, "office_hours: day %q is not one of mon, tue, wed, thu, fri, sat, sun", d)
		}
	}
	from, err1 := time.Parse("15:04", h.From)
	to, err2 := time.Parse("15:04", h.To)
	if err1 != nil || err2 != nil || !to.After(from) {
		l.addf(l.kb.Clinic.Pos, "office_hours: from %q and to %q must be times HH:MM, to after from", h.From, h.To)
	}
}

// Open reports whether t falls within the office hours, in Japan time.
func (h *OfficeHours) Open(t time.Time) bool {
	if h == nil {
		return false
	}
	t = t.In(japan)
	day := false
	for _, d := range h.Days {
		day = day || weekdays[d] == t.Weekday()
	}
	now := t.Format("15:04")
	return day && now >= h.From && now < h.To
}

// japan is Japan Standard Time, which has no daylight saving.
var japan = time.FixedZone("JST", 9*60*60)
