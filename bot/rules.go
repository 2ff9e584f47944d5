package bot

import (
	"cmp"
	"fmt"
	"math/bits"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"alsbot/knowledge"
)

// rule is a knowledge-base rule with its patterns compiled against the
// normalized form of a message.
type rule struct {
	*knowledge.Rule
	patterns []*pattern
	except   []*pattern
	// general cancels the rule only when no pattern of someone matches.
	general, someone []*pattern
	// concepts fire the rule when each of their lexicons has a word in
	// the message, all within window letters of each other.
	concepts []concept
	window   int
	// conceptNames are the concepts' lexicons, as written, for Trips.
	conceptNames []string
}

// concept is lexicons, by index in the rule set's lexicons.
type concept []int

// pattern is a compiled rule pattern with the literal strings one of
// which every match contains, so that most patterns are skipped without
// running the regular expression on a message that has none of them.
//
// A pattern with required literals is compiled the first time a message
// has one of them: most patterns never meet such a message, and compiling
// them all would be a good part of the time a knowledge base takes to load.
// The syntax is checked when the rules are built.
type pattern struct {
	src        string
	written    string   // the pattern as the knowledge base writes it, for Trips
	literals   []string // nil when no such set is known
	literalIDs []int32  // the literals in the rule set's index
	// exact marks literals that are every string the pattern matches:
	// it matches when the text has one, and is never run.
	exact bool
	// maxRunes, when set, is the longest text the pattern is run on.
	maxRunes int
	// starts, when set, are the letters (in order) a match of a pattern
	// anchored at the start of the text begins with: a text that begins
	// with another is not run.
	starts []rune
	// num is the pattern's number in the rule set: the scan for
	// literals marks the patterns whose literals it finds (and those
	// with none). A rule's list of patterns is numbered in order, so
	// that a list is a range of numbers.
	num  int32
	once sync.Once
	re   *regexp.Regexp
}

// regexp returns the compiled pattern, compiling it on first use.
func (p *pattern) regexp() *regexp.Regexp {
	p.once.Do(func() { p.re = regexp.MustCompile(p.src) })
	return p.re
}

func compileRules(kb *knowledge.KB) ([]rule, *lexicons, error) {
	var out []rule
	lex := &lexicons{byWords: map[string]int{}}
	for _, r := range kb.Rules {
		cr := rule{Rule: r}
		var err error
		if cr.patterns, err = compilePatterns(r, r.Patterns.All(), r.Whole); err != nil {
			return nil, nil, fmt.Errorf("%s:%d: rule %q: %w", r.Pos.File, r.Pos.Line, r.ID, err)
		}
		if cr.except, err = compilePatterns(r, r.Except.All(), false); err != nil {
			return nil, nil, fmt.Errorf("%s:%d: rule %q: %w", r.Pos.File, r.Pos.Line, r.ID, err)
		}
		if cr.general, err = compilePatterns(r, r.ExceptInGeneral.All(), false); err != nil {
			return nil, nil, fmt.Errorf("%s:%d: rule %q: %w", r.Pos.File, r.Pos.Line, r.ID, err)
		}
		if cr.someone, err = compilePatterns(r, r.Someone.All(), false); err != nil {
			return nil, nil, fmt.Errorf("%s:%d: rule %q: %w", r.Pos.File, r.Pos.Line, r.ID, err)
		}
		cr.window = r.ConceptWindow()
		for k, c := range r.ConceptLexicons() {
			if c == nil {
				continue
			}
			name := ""
			if k < len(r.Concepts) {
				name = strings.Join(r.Concepts[k], " + ")
			}
			cr.conceptNames = append(cr.conceptNames, name)
			var idx concept
			for _, words := range c {
				i, err := lex.add(words)
				if err != nil {
					return nil, nil, fmt.Errorf("%s:%d: rule %q: %w", r.Pos.File, r.Pos.Line, r.ID, err)
				}
				idx = append(idx, i)
			}
			cr.concepts = append(cr.concepts, idx)
		}
		out = append(out, cr)
	}
	return out, lex, nil
}

// compilePatterns folds the patterns of rule r the way messages are folded
// (width, case, katakana, long vowels) without touching their
// regular-expression syntax, so maintainers can write ミューズ and match
// みゅーず.
func compilePatterns(r *knowledge.Rule, patterns []string, whole bool) ([]*pattern, error) {
	if whole && len(patterns) > 0 {
		return compileWhole(patterns)
	}
	var out []*pattern
	for _, p := range patterns {
		src := foldPattern(p)
		// Most patterns are written folded already: their tree is the
		// one the knowledge base was checked with.
		tree := r.Parsed(src)
		if tree == nil {
			var err error
			if tree, err = syntax.Parse(src, syntax.Perl); err != nil {
				return nil, err
			}
		}
		// Each alternative of a pattern is a pattern of its own, so
		// that one alternative with a wildcard does not make the scan
		// for literals run the others as a regular expression.
		alts := branches(tree)
		for _, alt := range alts {
			if len(alts) > 1 {
				src = alt.String()
			}
			pat, err := compilePattern(src, alt, whole)
			if err != nil {
				return nil, err
			}
			pat.written = p
			out = append(out, pat)
		}
	}
	return out, nil
}

// maxWholeRunes is the longest message a rule that must be the whole
// message is tried on: small talk alone is short (the longest of some 400
// greetings, thanks and requests for help in testdata/ is 40 letters),
// and a long message is a question, whatever greeting it starts with.
const maxWholeRunes = 80

// compileWhole compiles the patterns of a rule that must be the whole
// message as one pattern: the message is one or more of its phrases, one
// after the other, so that 「おはようございます。いつもお世話になって
// おります。」 is a greeting as each half is.
func compileWhole(patterns []string) ([]*pattern, error) {
	folded := make([]string, len(patterns))
	for i, p := range patterns {
		folded[i] = "(?:" + foldPattern(p) + ")"
	}
	src := "(?:(?:" + strings.Join(folded, "|") + ") ?)+"
	tree, err := syntax.Parse(src, syntax.Perl)
	if err != nil {
		return nil, err
	}
	pat, err := compilePattern(src, tree, true)
	if err != nil {
		return nil, err
	}
	pat.written = "(" + strings.Join(patterns, " | ") + ")+"
	pat.maxRunes = maxWholeRunes
	// Many messages have a word of some greeting (や, どうも), and
	// running hundreds of phrases costs more than all the rest of the
	// rules: few begin with what a greeting begins with.
	if starts, empty, ok := leadingRunes(tree.Simplify()); ok && !empty {
		slices.Sort(starts)
		pat.starts = slices.Compact(starts)
	}
	return []*pattern{pat}, nil
}

// compilePattern compiles one alternative of a pattern, src parsed as
// tree.
func compilePattern(src string, tree *syntax.Regexp, whole bool) (*pattern, error) {
	if whole {
		// Anchoring adds no literal a match must contain.
		src = "^(?:" + src + ")$"
	}
	pat := &pattern{src: src}
	if lits, ok := expand(tree.Simplify()); ok && !whole {
		pat.literals, pat.exact = lits, true
	} else if lits, ok := requiredLiterals(tree); ok {
		pat.literals = lits
	} else {
		re, err := regexp.Compile(src)
		if err != nil {
			return nil, err
		}
		pat.re = re
		pat.once.Do(func() {}) // compiled already
	}
	return pat, nil
}

// branches are the alternatives of a regular expression's top-level
// alternation (a group around it included), or the expression alone.
func branches(re *syntax.Regexp) []*syntax.Regexp {
	for re.Op == syntax.OpCapture {
		re = re.Sub[0]
	}
	if re.Op != syntax.OpAlternate {
		return []*syntax.Regexp{re}
	}
	return re.Sub
}

// foldPattern folds a pattern the way messages are folded.
func foldPattern(p string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(norm.NFKC.String(p)) {
		if c != 'ー' {
			b.WriteRune(toHiragana(c))
		}
	}
	return b.String()
}

// lexicons are the rule set's lexicons, each compiled once however many
// concepts combine it.
type lexicons struct {
	byWords map[string]int
	// res are, by lexicon, its words that are not a finite set of
	// strings, each a regular expression, and words its words that
	// are: those are found by the rule set's scan for literals.
	res   [][]lexRegexp
	words [][]string
}

// lexRegexp is a lexicon word that is not a finite set of strings, with
// strings one of which every match contains (nil when none is known),
// and their ids in the rule set's literal index: it is searched only in
// a text that has one of them.
type lexRegexp struct {
	re         *regexp.Regexp
	literals   []string
	literalIDs []int32
}

// add compiles a lexicon's words, folded as messages are, and returns
// its index.
func (l *lexicons) add(words []string) (int, error) {
	key := strings.Join(words, "\x00")
	if i, ok := l.byWords[key]; ok {
		return i, nil
	}
	var exact []string
	var rest []lexRegexp
	for _, w := range words {
		tree, err := syntax.Parse(foldPattern(w), syntax.Perl)
		if err != nil {
			return 0, err
		}
		// Each alternative of a word on its own: most are a finite
		// set of strings though one is not.
		for _, alt := range branches(tree) {
			if set, ok := expand(alt.Simplify()); ok {
				exact = append(exact, set...)
				continue
			}
			re, err := regexp.Compile(alt.String())
			if err != nil {
				return 0, err
			}
			lr := lexRegexp{re: re}
			if ls, ok := requiredLiterals(alt.Simplify()); ok {
				lr.literals = ls
			}
			rest = append(rest, lr)
		}
	}
	l.res = append(l.res, rest)
	l.words = append(l.words, exact)
	l.byWords[key] = len(l.res) - 1
	return len(l.res) - 1, nil
}

// spans finds, lazily and once per text, where each lexicon has a word.
type spans struct {
	lex     *lexicons
	text    string
	present literalSet // the rule set's literals the text has
	got     [][][]int
	done    []bool
}

// hit records a word of lexicon i found by the scan for literals.
func (s *spans) hit(i, start, end int) {
	s.init()
	s.got[i] = append(s.got[i], []int{start, end})
}

func (s *spans) init() {
	if s.got == nil {
		s.got, s.done = make([][][]int, len(s.lex.res)), make([]bool, len(s.lex.res))
	}
}

// of returns where lexicon i has words: those the scan found, and, the
// first time it is asked, those of its regular expression.
func (s *spans) of(i int) [][]int {
	s.init()
	if !s.done[i] {
		s.done[i] = true
		for _, lr := range s.lex.res[i] {
			if lr.literalIDs != nil && !s.present.any(lr.literalIDs) {
				continue // none of the letters every match of it has
			}
			s.got[i] = append(s.got[i], lr.re.FindAllStringIndex(s.text, -1)...)
		}
	}
	return s.got[i]
}

// fires reports whether every lexicon of c has a word in the text, the
// words in some order with at most window letters between each and the
// next. Two words may share letters (息し and しとらへん in 息しとらへん:
// a lexicon word can end on the letter after it), as long as each starts
// after the one before.
func (c concept) fires(s *spans, window int) bool {
	lists := make([][][]int, len(c))
	for i, l := range c {
		if lists[i] = s.of(l); len(lists[i]) == 0 {
			return false
		}
	}
	used := make([]bool, len(c))
	var from func(start, end, left int) bool
	from = func(start, end, left int) bool {
		if left == 0 {
			return true
		}
		for i := range lists {
			if used[i] {
				continue
			}
			for _, sp := range lists[i] {
				if start >= 0 && (sp[0] <= start || sp[0] > end && gap(s.text[end:sp[0]]) > window) {
					continue
				}
				used[i] = true
				ok := from(sp[0], max(end, sp[1]), left-1)
				used[i] = false
				if ok {
					return true
				}
			}
		}
		return false
	}
	return from(-1, -1, len(c))
}

// gap is how far apart two words are, in letters: a Japanese letter is
// one, and an English word two, so that a window reaches as far in "took
// a lot of her sleeping tablets" as in 睡眠薬をたくさん飲んだ.
func gap(between string) int {
	n, inWord := 0, false
	for _, r := range between {
		switch {
		case r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= '0' && r <= '9'):
			if !inWord {
				n += 2
			}
			inWord = true
		case r == ' ':
			inWord = false
		default:
			n++
			inWord = false
		}
	}
	return n
}

// requiredLiterals returns strings one of which every match of re
// contains, and false when it finds no such set (a match could be empty,
// or made of any letters of a class). Of the sets it could give it gives
// the one least likely to be in a message that does not match (see
// selectivity), so that the scan for literals marks few patterns in vain.
func requiredLiterals(re *syntax.Regexp) ([]string, bool) {
	switch re.Op {
	case syntax.OpLiteral:
		if len(re.Rune) == 0 || re.Flags&syntax.FoldCase != 0 {
			return nil, false
		}
		return []string{string(re.Rune)}, true
	case syntax.OpCapture, syntax.OpPlus:
		return requiredLiterals(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return requiredLiterals(re.Sub[0])
		}
	case syntax.OpAlternate:
		// The parser factors common prefixes out (な(?:る|って)), so
		// the alternatives whole are a better set than their parts.
		if set, ok := expand(re); ok {
			return set, true
		}
		var set []string
		for _, sub := range re.Sub {
			s, ok := requiredLiterals(sub)
			if !ok {
				return nil, false
			}
			set = append(set, s...)
		}
		return set, true
	case syntax.OpConcat:
		// Any part that must match will do, and so will any run of
		// parts that spell a finite set of strings: (今)?(橋|崖)の is
		// 今橋の, 橋の, 今崖の or 崖の.
		var best []string
		consider := func(s []string) {
			if best == nil || selectivity(s) > selectivity(best) ||
				selectivity(s) == selectivity(best) && len(s) < len(best) {
				best = s
			}
		}
		spelt := make([][]string, len(re.Sub)) // nil: not a finite set
		for i, sub := range re.Sub {
			if s, ok := expandSet(sub); ok {
				spelt[i] = s
			}
		}
		for _, sub := range re.Sub {
			if s, ok := requiredLiterals(sub); ok {
				consider(s)
			}
		}
		// Each run of finite parts, as long as it stays few strings.
		run := []string{""}
		for i := 0; i <= len(spelt); i++ {
			var longer []string
			ok := false
			if i < len(spelt) && spelt[i] != nil {
				longer, ok = product(run, spelt[i])
			}
			if ok {
				run = longer
				continue
			}
			if !slices.Contains(run, "") {
				consider(run)
			}
			run = []string{""}
			if i < len(spelt) && spelt[i] != nil {
				run = spelt[i]
			}
		}
		return best, best != nil
	case syntax.OpCharClass:
		return classLetters(re)
	}
	return nil, false
}

// selectivity is how rare a set of literals is in messages, as the
// weight of its lightest literal: a letter of kanji or katakana weighs
// two, any other one (kana, Latin, a space) one. 「の」 is in nearly every
// message and 「橋」 in few.
func selectivity(set []string) int {
	lightest := 0
	for k, l := range set {
		w := 0
		for _, r := range l {
			if unicode.In(r, unicode.Han, unicode.Katakana) {
				w += 2
			} else {
				w++
			}
		}
		if k == 0 || w < lightest {
			lightest = w
		}
	}
	return lightest
}

// ruleSet is the rules in their order, with one index of the required
// literals of all their patterns, so that a message is scanned once for
// all of them rather than once for each pattern.
type ruleSet struct {
	rules    []rule
	literals literalIndex
	lex      *lexicons
	// wordOf lists, by literal id, the lexicons it is a word of, and
	// patternOf the patterns it is a literal of.
	wordOf    [][]int
	patternOf [][]int32
	patterns  int
	// always marks the patterns with no literals: every scan runs them.
	always literalSet
}

func newRuleSet(rules []rule, lex *lexicons) ruleSet {
	rs := ruleSet{rules: rules, lex: lex}
	ids := map[string]int32{}
	if lex == nil {
		rs.lex = &lexicons{}
	}
	idOf := func(l string) int32 {
		id, ok := ids[l]
		if !ok {
			id = int32(len(ids))
			ids[l] = id
			rs.literals.add(l, id)
			rs.wordOf = append(rs.wordOf, nil)
			rs.patternOf = append(rs.patternOf, nil)
		}
		return id
	}
	for _, res := range rs.lex.res {
		for k := range res {
			for _, l := range res[k].literals {
				res[k].literalIDs = append(res[k].literalIDs, idOf(l))
			}
		}
	}
	for i, words := range rs.lex.words {
		for _, w := range words {
			if w[0] < utf8.RuneSelf && isASCIIWord(w[0]) {
				// An English word of a lexicon starts a word: "ate"
				// is not in "lately".
				w = wordStart + w
			}
			id := idOf(w)
			if !slices.Contains(rs.wordOf[id], i) {
				rs.wordOf[id] = append(rs.wordOf[id], i)
			}
		}
	}
	var free []int32
	for i := range rs.rules {
		ru := &rs.rules[i]
		for _, list := range [][]*pattern{ru.patterns, ru.except, ru.general, ru.someone} {
			for _, p := range list {
				p.num = int32(rs.patterns)
				rs.patterns++
				if p.literals == nil {
					free = append(free, p.num)
					continue
				}
				for _, l := range p.literals {
					id := idOf(l)
					p.literalIDs = append(p.literalIDs, id)
					if !slices.Contains(rs.patternOf[id], p.num) {
						rs.patternOf[id] = append(rs.patternOf[id], p.num)
					}
				}
			}
		}
	}
	rs.always = make(literalSet, (rs.patterns+63)/64)
	for _, n := range free {
		rs.always[n/64] |= 1 << (n % 64)
	}
	rs.literals.n = len(ids)
	rs.literals.freeze()
	return rs
}

// first returns the first rule that fires on any of the forms of a
// message (as typed, as read, …), or nil.
func (rs *ruleSet) first(forms ...string) *rule { return rs.firstOf(forms, nil) }

// firstOf returns the first rule that fires on any of the forms of a
// message, or nil. An exception in general (a question about the
// disease) cancels a rule only when the message names no one and nothing
// happening now. No exception cancels a rule that a statement of its own,
// apart from the exception, tells: statements returns the forms of each
// of the message's statements, or nil. 「倒れて意識がない。ALSの症状です
// か」 and 「先週転んだけど骨は折れてなかった。今日また転んで頭から血が
// 出てる」 are emergencies; 「ALSで意識がなくなるのはなぜですか」 is a
// question.
func (rs *ruleSet) firstOf(forms []string, statements func() [][]string) *rule {
	var seen [3]scanned
	forms = forms[:min(len(forms), len(seen))]
	for k, f := range forms {
		seen[k] = rs.scan(f)
	}
	var told []sentence
	split := false
	var candidate *rule
	for i := range rs.rules {
		// An exception in any form of the message cancels the rule in
		// all: "how do home ventilator alarms work" is a question,
		// whatever its words read as romaji.
		ru := &rs.rules[i]
		if anyOf(ru.except, forms, seen[:]) || anyOf(ru.general, forms, seen[:]) && !anyOf(ru.someone, forms, seen[:]) {
			if statements == nil || candidate != nil {
				continue
			}
			if !split {
				told, split = rs.sentences(statements()), true
			}
			if slices.ContainsFunc(told, func(p sentence) bool { return p.fires(ru) }) {
				// Told in a statement of its own: it fires, unless
				// a later urgent rule fires on the whole message (the
				// exception said whose it is: 「自分を傷つけたくな
				// る。壁に頭ぶつけたり」 is a crisis).
				candidate = ru
			}
			continue
		}
		for k, f := range forms {
			if ru.matches(f, &seen[k]) {
				if candidate != nil && !ru.Urgent {
					return candidate
				}
				return ru
			}
		}
	}
	return candidate
}

// sentence is one sentence of a message: its forms, and what the scan
// found in each.
type sentence struct {
	forms []string
	seen  []scanned
}

// sentences scans each sentence's forms.
func (rs *ruleSet) sentences(forms [][]string) []sentence {
	out := make([]sentence, len(forms))
	for i, fs := range forms {
		out[i].forms = fs
		for _, f := range fs {
			out[i].seen = append(out[i].seen, rs.scan(f))
		}
	}
	return out
}

// fires reports whether rule ru fires on the sentence alone, no
// exception of it found in it.
func (p sentence) fires(ru *rule) bool {
	if anyOf(ru.except, p.forms, p.seen) || anyOf(ru.general, p.forms, p.seen) {
		return false
	}
	for k, f := range p.forms {
		if ru.matches(f, &p.seen[k]) {
			return true
		}
	}
	return false
}

// scanned is what one scan of a text for the rule set's literals found:
// the patterns that may match (a pattern with no literals is always run),
// and the words of each lexicon.
type scanned struct {
	patterns literalSet // by pattern number
	found    spans
}

// scan scans text once for every literal of the rule set.
func (rs *ruleSet) scan(text string) scanned {
	s := scanned{patterns: slices.Clone(rs.always), found: spans{lex: rs.lex, text: text}}
	s.found.present = rs.literals.present(text, func(id int32, start, end int) {
		for _, l := range rs.wordOf[id] {
			s.found.hit(l, start, end)
		}
		for _, p := range rs.patternOf[id] {
			s.patterns[p/64] |= 1 << (p % 64)
		}
	})
	return s
}

// literalIndex finds which of a set of literal strings occur in a text,
// in one pass over it: a trie of the literals, walked from each letter as
// far as the text follows one, so that the hundreds of strings the rules'
// words expand to cost no more than their length. Literals are added,
// then the trie is frozen (freeze) into a compact form before the first
// search: a map from the first letter, and for the nodes after it (most
// have one or two children) a short list.
type literalIndex struct {
	added []pending
	n     int
	// After freeze: root maps a first letter to its node.
	root  map[rune]int32
	nodes []trieNode
	edges []trieEdge
}

// trieNode is a node of the trie: its children, edges[first:first+count]
// in order of their letters, and the literals that end here.
type trieNode struct {
	first, count int32
	ends         []int32
}

type trieEdge struct {
	r    rune
	node int32
}

// pending is a literal added and not yet in the trie.
type pending struct {
	text []rune
	id   int32
}

func (li *literalIndex) add(text string, id int32) {
	li.added = append(li.added, pending{[]rune(text), id})
}

// freeze builds the trie of the literals added.
func (li *literalIndex) freeze() {
	lits := li.added
	li.added = nil
	slices.SortFunc(lits, func(a, b pending) int { return slices.Compare(a.text, b.text) })
	li.nodes, li.edges = nil, nil
	// build makes the node of the literals that share their first depth
	// letters (consecutive, once sorted) and returns its index.
	var build func(lits []pending, depth int) int32
	build = func(lits []pending, depth int) int32 {
		at := int32(len(li.nodes))
		li.nodes = append(li.nodes, trieNode{})
		for len(lits) > 0 && len(lits[0].text) == depth {
			li.nodes[at].ends = append(li.nodes[at].ends, lits[0].id)
			lits = lits[1:]
		}
		var groups [][]pending
		for len(lits) > 0 {
			n := 1
			for n < len(lits) && lits[n].text[depth] == lits[0].text[depth] {
				n++
			}
			groups, lits = append(groups, lits[:n]), lits[n:]
		}
		first := int32(len(li.edges))
		li.nodes[at].first, li.nodes[at].count = first, int32(len(groups))
		li.edges = append(li.edges, make([]trieEdge, len(groups))...)
		for k, g := range groups {
			child := build(g, depth+1)
			li.edges[first+int32(k)] = trieEdge{g[0].text[depth], child}
		}
		return at
	}
	root := build(lits, 0)
	li.root = make(map[rune]int32, li.nodes[root].count)
	for _, e := range li.edges[li.nodes[root].first : li.nodes[root].first+li.nodes[root].count] {
		li.root[e.r] = e.node
	}
}

// child is the node after letter r from a node other than the root, or
// -1.
func (li *literalIndex) child(at int32, r rune) int32 {
	nd := &li.nodes[at]
	edges := li.edges[nd.first : nd.first+nd.count]
	if len(edges) > 8 {
		if k, ok := slices.BinarySearchFunc(edges, r, func(e trieEdge, r rune) int { return cmp.Compare(e.r, r) }); ok {
			return edges[k].node
		}
		return -1
	}
	for _, e := range edges {
		if e.r == r {
			return e.node
		}
	}
	return -1
}

// present reports, by literal id, which literals occur in text, and
// calls found for each occurrence.
func (li *literalIndex) present(text string, found func(id int32, start, end int)) literalSet {
	out := make(literalSet, (li.n+63)/64)
	if li.root == nil {
		return out
	}
	var starts [2]int32
	for i, r0 := range text {
		// From the root, and, where an English word starts, from the
		// literals that must start one.
		starts[0], starts[1] = -1, -1
		if nx, ok := li.root[r0]; ok {
			starts[0] = nx
		}
		if isASCIIWord(text[i]) && (i == 0 || !isASCIIWord(text[i-1])) {
			if nx, ok := li.root[rune(wordStart[0])]; ok {
				starts[1] = li.child(nx, r0)
			}
		}
		for _, at := range starts {
			end := i + utf8.RuneLen(r0)
			for at >= 0 {
				for _, id := range li.nodes[at].ends {
					out[id/64] |= 1 << (id % 64)
					if found != nil {
						found(id, i, end)
					}
				}
				if end >= len(text) {
					break
				}
				r, size := utf8.DecodeRuneInString(text[end:])
				at = li.child(at, r)
				end += size
			}
		}
	}
	return out
}

// wordStart marks a literal that matches only where a word starts.
const wordStart = "\x01"

// literalSet is a set of literal ids, a bit each.
type literalSet []uint64

// any reports whether the set has one of ids.
func (s literalSet) any(ids []int32) bool {
	for _, id := range ids {
		if s[id/64]&(1<<(id%64)) != 0 {
			return true
		}
	}
	return false
}

// match reports whether the pattern matches the normalized message, given
// which literals the message has.
func (p *pattern) match(norm string, s *scanned) bool {
	if s.patterns[p.num/64]&(1<<(p.num%64)) == 0 {
		return false
	}
	return p.run(norm)
}

// run reports whether the pattern, marked by the scan, matches the text:
// at once for plain words, else by its regular expression.
func (p *pattern) run(norm string) bool {
	return p.exact || p.fits(norm) && p.regexp().MatchString(norm)
}

// fits reports whether text is short enough for the pattern to be run on,
// and begins with a letter its matches may begin with.
func (p *pattern) fits(text string) bool {
	if p.starts != nil {
		r, _ := utf8.DecodeRuneInString(text)
		if _, ok := slices.BinarySearch(p.starts, r); !ok {
			return false
		}
	}
	return p.maxRunes == 0 || len(text) <= p.maxRunes || utf8.RuneCountInString(text) <= p.maxRunes
}

// leadingRunes returns the letters a match of re may begin with, whether
// it may be empty, and false when the letters are too many to list (any
// letter, a wide class).
func leadingRunes(re *syntax.Regexp) (starts []rune, empty, ok bool) {
	switch re.Op {
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText,
		syntax.OpEndText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return nil, true, true
	case syntax.OpLiteral:
		if len(re.Rune) == 0 {
			return nil, true, true
		}
		r := re.Rune[0]
		starts = []rune{r}
		if re.Flags&syntax.FoldCase != 0 {
			for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
				starts = append(starts, f)
			}
		}
		return starts, false, true
	case syntax.OpCharClass:
		for i := 0; i+1 < len(re.Rune); i += 2 {
			if re.Rune[i+1]-re.Rune[i] > 256 {
				return nil, false, false
			}
			for r := re.Rune[i]; r <= re.Rune[i+1]; r++ {
				starts = append(starts, r)
			}
		}
		return starts, false, true
	case syntax.OpCapture, syntax.OpPlus:
		return leadingRunes(re.Sub[0])
	case syntax.OpStar, syntax.OpQuest:
		starts, _, ok = leadingRunes(re.Sub[0])
		return starts, true, ok
	case syntax.OpRepeat:
		starts, empty, ok = leadingRunes(re.Sub[0])
		return starts, empty || re.Min == 0, ok
	case syntax.OpAlternate:
		for _, sub := range re.Sub {
			s, e, ok := leadingRunes(sub)
			if !ok {
				return nil, false, false
			}
			starts, empty = append(starts, s...), empty || e
		}
		return starts, empty, true
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			s, e, ok := leadingRunes(sub)
			if !ok {
				return nil, false, false
			}
			starts = append(starts, s...)
			if !e {
				return starts, false, true
			}
		}
		return starts, true, true
	}
	return nil, false, false
}

// anyMatch reports whether one of a rule's list of patterns matches the
// normalized message. It runs only those the scan marked: the list is the
// range of numbers from its first, and the scan's marks are walked a word
// of 64 at a time, so that a message costs what it has, not what the
// rules hold.
func (s *scanned) anyMatch(list []*pattern, norm string) bool {
	if len(list) == 0 {
		return false
	}
	lo := int(list[0].num)
	hi := lo + len(list)
	for w := lo / 64; w <= (hi-1)/64; w++ {
		word := s.patterns[w]
		if first := w * 64; first < lo {
			word &^= 1<<(lo-first) - 1
		}
		if last := w*64 + 64; last > hi {
			word &= 1<<(64-(last-hi)) - 1
		}
		for word != 0 {
			p := list[w*64+bits.TrailingZeros64(word)-lo]
			if p.run(norm) {
				return true
			}
			word &= word - 1
		}
	}
	return false
}

// matches reports whether the rule fires on a normalized message (its
// exceptions are checked first, over every form: see excepted).
func (r *rule) matches(norm string, s *scanned) bool {
	if s.anyMatch(r.patterns, norm) {
		return true
	}
	for _, c := range r.concepts {
		if c.fires(&s.found, r.window) {
			return true
		}
	}
	return false
}

// anyOf reports whether one of the patterns matches one of the forms
// of a message, seen[k] being what the scan found in forms[k].
func anyOf(patterns []*pattern, forms []string, seen []scanned) bool {
	for k, f := range forms {
		if seen[k].anyMatch(patterns, f) {
			return true
		}
	}
	return false
}

// ruleByID returns the rule with id, or nil.
func (b *Bot) ruleByID(id string) *rule {
	for i := range b.rules.rules {
		if b.rules.rules[i].ID == id {
			return &b.rules.rules[i]
		}
	}
	return nil
}

// Trip is one way a message trips a rule, for tools that explain it.
type Trip struct {
	Rule string `json:"rule"`
	// By is the pattern, or the concept's lexicons ("breath + unable"),
	// that matched; for an exception, the exception.
	By string `json:"by"`
	// Except marks an exception: it cancels the rule. InGeneral marks
	// one that does so only when no Someone trip names a person or a
	// moment now.
	Except    bool `json:"except,omitempty"`
	InGeneral bool `json:"in_general,omitempty"`
	Someone   bool `json:"someone,omitempty"`
	// Form is the form of the message it matched: as typed, as read,
	// or with its romaji as kana.
	Form string `json:"form"`
}

// Trips returns every pattern, concept and exception of every rule that
// matches text, in the rules' order, so that a maintainer sees why a
// rule fired or did not (alsbot ask --explain). The first rule with a
// trip and no exception is the one that answers.
func (b *Bot) Trips(text string) []Trip {
	m, ok := b.readMessage(text)
	if !ok {
		return nil
	}
	var out []Trip
	for _, f := range m.forms {
		s := b.rules.scan(f)
		for i := range b.rules.rules {
			ru := &b.rules.rules[i]
			for _, kind := range []struct {
				patterns []*pattern
				trip     Trip
			}{
				{ru.except, Trip{Except: true}},
				{ru.general, Trip{Except: true, InGeneral: true}},
				{ru.someone, Trip{Someone: true}},
				{ru.patterns, Trip{}},
			} {
				for _, p := range kind.patterns {
					if p.match(f, &s) {
						t := kind.trip
						t.Rule, t.By, t.Form = ru.ID, p.written, f
						out = append(out, t)
					}
				}
			}
			for k, c := range ru.concepts {
				if c.fires(&s.found, ru.window) {
					out = append(out, Trip{Rule: ru.ID, By: ru.conceptNames[k], Form: f})
				}
			}
		}
	}
	return out
}
