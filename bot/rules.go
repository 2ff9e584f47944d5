package bot

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"

	"golang.org/x/text/unicode/norm"

	"alsbot/knowledge"
)

// rule is a knowledge-base rule with its patterns compiled against the
// normalized form of a message.
type rule struct {
	*knowledge.Rule
	patterns []pattern
	except   []pattern
}

// pattern is a compiled rule pattern with the literal strings one of
// which every match contains, so that most patterns are skipped without
// running the regular expression on a message that has none of them.
type pattern struct {
	re       *regexp.Regexp
	literals []string // nil when no such set is known
}

func compileRules(kb *knowledge.KB) ([]rule, error) {
	var out []rule
	for _, r := range kb.Rules {
		cr := rule{Rule: r}
		var err error
		if cr.patterns, err = compilePatterns(r.Patterns.All(), r.Whole); err != nil {
			return nil, fmt.Errorf("%s:%d: rule %q: %w", r.Pos.File, r.Pos.Line, r.ID, err)
		}
		if cr.except, err = compilePatterns(r.Except.All(), false); err != nil {
			return nil, fmt.Errorf("%s:%d: rule %q: %w", r.Pos.File, r.Pos.Line, r.ID, err)
		}
		out = append(out, cr)
	}
	return out, nil
}

// compilePatterns folds patterns the way messages are folded (width, case,
// katakana, long vowels) without touching their regular-expression syntax,
// so maintainers can write ミューズ and match みゅーず.
func compilePatterns(patterns []string, whole bool) ([]pattern, error) {
	var out []pattern
	for _, p := range patterns {
		var b strings.Builder
		for _, r := range strings.ToLower(norm.NFKC.String(p)) {
			if r != 'ー' {
				b.WriteRune(toHiragana(r))
			}
		}
		src := b.String()
		if whole {
			src = "^(?:" + src + ")$"
		}
		re, err := regexp.Compile(src)
		if err != nil {
			return nil, err
		}
		pat := pattern{re: re}
		if tree, err := syntax.Parse(src, syntax.Perl); err == nil {
			if lits, ok := requiredLiterals(tree); ok {
				pat.literals = lits
			}
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

// match reports whether the pattern matches the normalized message.
func (p *pattern) match(norm string) bool {
	if p.literals != nil && !containsAny(norm, p.literals) {
		return false
	}
	return p.re.MatchString(norm)
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// matches reports whether the rule fires on a normalized message.
func (r *rule) matches(norm string) bool {
	for i := range r.except {
		if r.except[i].match(norm) {
			return false
		}
	}
	for i := range r.patterns {
		if r.patterns[i].match(norm) {
			return true
		}
	}
	return false
}
