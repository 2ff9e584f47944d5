package bot

import (
	"regexp"
	"regexp/syntax"
	"slices"
	"testing"
)

func TestExpand(t *testing.T) {
	for _, tt := range []struct {
		pattern string
		want    []string // nil: not a finite set worth expanding
	}{
		{`(?:でき|吸え)(?:ない|ません)`, []string{"できない", "できません", "吸えない", "吸えません"}},
		{`息(?:が)?苦し`, []string{"息苦し", "息が苦し"}},
		{`[0-2]錠`, []string{"0錠", "1錠", "2錠"}},
		{`a{1,2}`, []string{"a", "aa"}},
		{`(?:ok|okay) to`, []string{"ok to", "okay to"}},
		{`息(?:[^子]|$)`, nil}, // nearly every letter may follow
		{`.{0,4}いい`, nil},    // any letters
		{`trach\w*`, nil},    // unbounded
		{`(?:a)?`, nil},      // may match nothing, so anywhere
		{`^死にたい`, nil},       // anchored
		{`(?i)muse`, nil},    // folded case
		// too many strings
		{`(?:a|b|c|d){1,3}(?:e|f|g|h){1,3}(?:i|j|k|l){1,3}(?:m|n|o|p){1,3}`, nil},
	} {
		tree, err := syntax.Parse(tt.pattern, syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := expand(tree.Simplify())
		if tt.want == nil {
			if ok {
				t.Errorf("%s expanded to %d strings, want no expansion", tt.pattern, len(got))
			}
			continue
		}
		slices.Sort(got)
		slices.Sort(tt.want)
		if !ok || !slices.Equal(got, tt.want) {
			t.Errorf("%s expanded to %q (%v), want %q", tt.pattern, got, ok, tt.want)
		}
	}
}

// FuzzExpand checks that every string a pattern expands to is matched,
// whole, by the pattern: a word found by the trie is a word the regular
// expression would have found.
func FuzzExpand(f *testing.F) {
	for _, p := range []string{`(?:でき|吸え)(?:ない|ません)`, `[0-9]錠`, `a{1,3}b?`, `(?:x|yz)(?:w)?`, `息(?:[^子]|$)`} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p string) {
		tree, err := syntax.Parse(p, syntax.Perl)
		if err != nil {
			return
		}
		set, ok := expand(tree.Simplify())
		if !ok {
			return
		}
		if len(set) > maxExpansion+1 {
			t.Fatalf("%q expanded to %d strings, more than %d", p, len(set), maxExpansion)
		}
		re, err := regexp.Compile(`^(?:` + p + `)$`)
		if err != nil {
			return
		}
		for _, s := range set {
			if s == "" || !re.MatchString(s) {
				t.Fatalf("%q expanded to %q, which it does not match whole", p, s)
			}
		}
	})
}
