package bot

import "regexp/syntax"

// maxExpansion bounds the strings a pattern may expand to.
const maxExpansion = 128

// expand returns every string re matches, when that is a finite set of
// at most maxExpansion non-empty strings with no anchors or classes wider
// than a few letters: (?:でき|吸え)(?:ない|ません) is four strings. A
// rule's word written so is found with the rule set's one scan for
// literals, without running a regular expression.
func expand(re *syntax.Regexp) ([]string, bool) {
	set, ok := expandSet(re)
	if !ok || len(set) == 0 {
		return nil, false
	}
	for _, s := range set {
		if s == "" {
			return nil, false // would match anywhere
		}
	}
	return set, true
}

func expandSet(re *syntax.Regexp) ([]string, bool) {
	switch re.Op {
	case syntax.OpEmptyMatch:
		return []string{""}, true
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return nil, false
		}
		return []string{string(re.Rune)}, true
	case syntax.OpCharClass:
		set, ok := classLetters(re)
		return set, ok && len(set) <= 64
	case syntax.OpCapture:
		return expandSet(re.Sub[0])
	case syntax.OpQuest:
		sub, ok := expandSet(re.Sub[0])
		if !ok {
			return nil, false
		}
		return append([]string{""}, sub...), true
	case syntax.OpRepeat:
		if re.Max < 0 || re.Max > 3 {
			return nil, false
		}
		sub, ok := expandSet(re.Sub[0])
		if !ok {
			return nil, false
		}
		var out []string
		cur := []string{""}
		for n := 0; n <= re.Max; n++ {
			if n >= re.Min {
				out = append(out, cur...)
			}
			if n < re.Max {
				if cur, ok = product(cur, sub); !ok {
					return nil, false
				}
			}
		}
		return out, len(out) <= maxExpansion
	case syntax.OpAlternate:
		var out []string
		for _, sub := range re.Sub {
			s, ok := expandSet(sub)
			if !ok {
				return nil, false
			}
			out = append(out, s...)
			if len(out) > maxExpansion {
				return nil, false
			}
		}
		return out, true
	case syntax.OpConcat:
		out := []string{""}
		for _, sub := range re.Sub {
			s, ok := expandSet(sub)
			if !ok {
				return nil, false
			}
			if out, ok = product(out, s); !ok {
				return nil, false
			}
		}
		return out, true
	}
	return nil, false
}

// classLetters returns the letters of a character class, when its ranges
// are short (not [^子], which is nearly every letter).
func classLetters(re *syntax.Regexp) ([]string, bool) {
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

// product is every a followed by every b, if there are not too many.
func product(a, b []string) ([]string, bool) {
	if len(a)*len(b) > maxExpansion {
		return nil, false
	}
	out := make([]string, 0, len(a)*len(b))
	for _, x := range a {
		for _, y := range b {
			out = append(out, x+y)
		}
	}
	return out, true
}
