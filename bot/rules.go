package bot

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"sync"
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
}

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
	literals   []string // nil when no such set is known
	literalIDs []int32  // the literals in the rule set's index
	once       sync.Once
	re         *regexp.Regexp
}

// regexp returns the compiled pattern, compiling it on first use.
func (p *pattern) regexp() *regexp.Regexp {
	p.once.Do(func() { p.re = regexp.MustCompile(p.src) })
	return p.re
}

func compileRules(kb *knowledge.KB) ([]rule, error) {
	var out []rule
	for _, r := range kb.Rules {
		cr := rule{Rule: r}
		var err error
		var combined []string
		for _, c := range r.Combined() {
			if c != "" {
				combined = append(combined, c)
			}
		}
		if cr.patterns, err = compilePatterns(r, append(r.Patterns.All(), combined...), r.Whole); err != nil {
			return nil, fmt.Errorf("%s:%d: rule %q: %w", r.Pos.File, r.Pos.Line, r.ID, err)
		}
		if cr.except, err = compilePatterns(r, r.Except.All(), false); err != nil {
			return nil, fmt.Errorf("%s:%d: rule %q: %w", r.Pos.File, r.Pos.Line, r.ID, err)
		}
		out = append(out, cr)
	}
	return out, nil
}

// compilePatterns folds the patterns of rule r the way messages are folded
// (width, case, katakana, long vowels) without touching their
// regular-expression syntax, so maintainers can write ミューズ and match
// みゅーず.
func compilePatterns(r *knowledge.Rule, patterns []string, whole bool) ([]*pattern, error) {
	var out []*pattern
	for _, p := range patterns {
		var b strings.Builder
		for _, c := range strings.ToLower(norm.NFKC.String(p)) {
			if c != 'ー' {
				b.WriteRune(toHiragana(c))
			}
		}
		src := b.String()
		// Most patterns are written folded already: their tree is the
		// one the knowledge base was checked with.
		tree := r.Parsed(src)
		if tree == nil {
			var err error
			if tree, err = syntax.Parse(src, syntax.Perl); err != nil {
				return nil, err
			}
		}
		if whole {
			// Anchoring adds no literal a match must contain.
			src = "^(?:" + src + ")$"
		}
		pat := &pattern{src: src}
		if lits, ok := requiredLiterals(tree); ok {
			pat.literals = lits
		} else {
			re, err := regexp.Compile(src)
			if err != nil {
				return nil, err
			}
			pat.re = re
			pat.once.Do(func() {}) // compiled already
		}
		out = append(out, pat)
	}
	return out, nil
}

// requiredLiterals returns strings one of which every match of re
// contains, and false when it finds no such set (a match could be empty,
// or made of any letters of a class).
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
		// Any part that must match will do; the one with the longest
		// shortest literal skips the most messages.
		var best []string
		bestLen := 0
		for _, sub := range re.Sub {
			s, ok := requiredLiterals(sub)
			if !ok {
				continue
			}
			shortest := len(s[0])
			for _, l := range s[1:] {
				shortest = min(shortest, len(l))
			}
			if shortest > bestLen || shortest == bestLen && len(s) < len(best) {
				best, bestLen = s, shortest
			}
		}
		return best, best != nil
	case syntax.OpCharClass:
		var set []string
		for i := 0; i+1 < len(re.Rune); i += 2 {
			if re.Rune[i+1]-re.Rune[i] > 16 {
				return nil, false
			}
			for r := re.Rune[i]; r <= re.Rune[i+1]; r++ {
				set = append(set, string(r))
			}
		}
		return set, len(set) > 0
	}
	return nil, false
}

// ruleSet is the rules in their order, with one index of the required
// literals of all their patterns, so that a message is scanned once for
// all of them rather than once for each pattern.
type ruleSet struct {
	rules    []rule
	literals literalIndex
}

func newRuleSet(rules []rule) ruleSet {
	rs := ruleSet{rules: rules}
	ids := map[string]int32{}
	for i := range rs.rules {
		ru := &rs.rules[i]
		for _, list := range [][]*pattern{ru.patterns, ru.except} {
			for _, p := range list {
				if p.literals == nil {
					continue
				}
				for _, l := range p.literals {
					id, ok := ids[l]
					if !ok {
						id = int32(len(ids))
						ids[l] = id
						rs.literals.add(l, id)
					}
					p.literalIDs = append(p.literalIDs, id)
				}
			}
		}
	}
	rs.literals.n = len(ids)
	return rs
}

// first returns the first rule that fires on any of the forms of a
// message (as typed, as read, …), or nil.
func (rs *ruleSet) first(forms ...string) *rule {
	var present [3][]bool
	forms = forms[:min(len(forms), len(present))]
	for k, f := range forms {
		present[k] = rs.literals.present(f)
	}
	for i := range rs.rules {
		for k, f := range forms {
			if rs.rules[i].matches(f, present[k]) {
				return &rs.rules[i]
			}
		}
	}
	return nil
}

// literalIndex finds which of a set of literal strings occur in a text.
type literalIndex struct {
	byFirst map[rune][]literal
	n       int
}

type literal struct {
	text string
	id   int32
}

func (li *literalIndex) add(text string, id int32) {
	if li.byFirst == nil {
		li.byFirst = map[rune][]literal{}
	}
	r, _ := utf8.DecodeRuneInString(text)
	li.byFirst[r] = append(li.byFirst[r], literal{text, id})
}

// present reports, by literal id, which literals occur in text.
func (li *literalIndex) present(text string) []bool {
	out := make([]bool, li.n)
	for i, r := range text {
		for _, l := range li.byFirst[r] {
			if strings.HasPrefix(text[i:], l.text) {
				out[l.id] = true
			}
		}
	}
	return out
}

// match reports whether the pattern matches the normalized message, given
// which literals the message has.
func (p *pattern) match(norm string, present []bool) bool {
	if p.literalIDs != nil && !slices.ContainsFunc(p.literalIDs, func(id int32) bool { return present[id] }) {
		return false
	}
	return p.regexp().MatchString(norm)
}

// matches reports whether the rule fires on a normalized message.
func (r *rule) matches(norm string, present []bool) bool {
	for i := range r.except {
		if r.except[i].match(norm, present) {
			return false
		}
	}
	for i := range r.patterns {
		if r.patterns[i].match(norm, present) {
			return true
		}
	}
	return false
}
