package bot

import (
	"fmt"
	"regexp"
	"strings"

	"golang.org/x/text/unicode/norm"

	"alsbot/knowledge"
)

// rule is a knowledge-base rule with its patterns compiled against the
// normalized form of a message.
type rule struct {
	*knowledge.Rule
	patterns []*regexp.Regexp
	except   []*regexp.Regexp
}

func compileRules(kb *knowledge.KB) ([]rule, error) {
	var out []rule
	for _, r := range kb.Rules {
		cr := rule{Rule: r}
		for _, p := range r.Patterns.All() {
			re, err := compilePattern(p, r.Whole)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: rule %q: %w", r.Pos.File, r.Pos.Line, r.ID, err)
			}
			cr.patterns = append(cr.patterns, re)
		}
		for _, p := range r.Except.All() {
			re, err := compilePattern(p, false)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: rule %q: %w", r.Pos.File, r.Pos.Line, r.ID, err)
			}
			cr.except = append(cr.except, re)
		}
		out = append(out, cr)
	}
	return out, nil
}

// compilePattern folds a pattern the way messages are folded (width, case,
// katakana, long vowels) without touching its regular-expression syntax,
// so maintainers can write ミューズ and match みゅーず.
func compilePattern(p string, whole bool) (*regexp.Regexp, error) {
	p = norm.NFKC.String(p)
	var b strings.Builder
	for _, r := range strings.ToLower(p) {
		if r == 'ー' {
			continue
		}
		b.WriteRune(toHiragana(r))
	}
	p = b.String()
	if whole {
		p = "^(?:" + p + ")$"
	}
	return regexp.Compile(p)
}

// matches reports whether the rule fires on a normalized message.
func (r *rule) matches(norm string) bool {
	for _, re := range r.except {
		if re.MatchString(norm) {
			return false
		}
	}
	for _, re := range r.patterns {
		if re.MatchString(norm) {
			return true
		}
	}
	return false
}
