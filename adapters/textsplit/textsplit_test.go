package textsplit

import (
	"fmt"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestSplit(t *testing.T) {
	tests := []struct {
		name string
		in   string
		max  int
		want []string
	}{
		{"fits", "短い答え", 10, []string{"短い答え"}},
		{"paragraphs packed", "aaaa\n\nbbbb\n\ncccc", 10, []string{"aaaa\n\nbbbb", "cccc"}},
		{"lines of a long paragraph", "aaaaaa\nbbbbbb", 10, []string{"aaaaaa", "bbbbbb"}},
		{"sentences", "あいう。えおか。きくけ。", 5, []string{"あいう。", "えおか。", "きくけ。"}},
		{"English sentences keep their space", "One two. Three four. Five.", 12, []string{"One two. ", "Three four. ", "Five."}},
		{"a decimal point is not a sentence end", "平均0.47点の低下です。次の文", 13, []string{"平均0.47点の低下です。", "次の文"}},
		{"no break at all", "あいうえおかきくけこさ", 5, []string{"あいうえお", "かきくけこ", "さ"}},
		{"surrogate pairs whole", "😀😀😀", 3, []string{"😀", "😀", "😀"}},
		{"flag kept whole", "🇯🇵🇯🇵", 5, []string{"🇯🇵", "🇯🇵"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Split(tt.in, tt.max, UTF16)
			if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", tt.want) {
				t.Errorf("split(%q, %d) = %q; want %q", tt.in, tt.max, got, tt.want)
			}
			for _, p := range got {
				if Len(p, UTF16) > tt.max {
					t.Errorf("part %q has %d units > %d", p, Len(p, UTF16), tt.max)
				}
			}
		})
	}
}

// A Japanese answer is cut after a sentence, never in the middle of one,
// and an emoji stays whole: what Slack's own splitter got wrong.
func TestSplitJapaneseAtSentences(t *testing.T) {
	text := "ミューズ細胞の治験では、5人の患者さんに投与されました。重い副作用はありませんでした👨‍👩‍👧。効果はまだわかっていません。"
	for _, p := range Split(text, 30, Runes) {
		if !strings.HasSuffix(p, "。") {
			t.Errorf("part %q does not end a sentence", p)
		}
	}
	for _, p := range Split("👨‍👩‍👧👨‍👩‍👧", 5, Runes) {
		if p != "👨‍👩‍👧" {
			t.Errorf("the family emoji cut: %q", p)
		}
	}
}

// FuzzSplit: every part fits, no part is cut inside a character as a
// reader sees one, and nothing but breaks is lost.
func FuzzSplit(f *testing.F) {
	for _, s := range []string{"あいう。えおか。", "One. Two.\n\nThree", "🇯🇵🇯🇵😀👍🏽", "é\u0301x", "a\u200db"} {
		f.Add(s, 7)
	}
	f.Fuzz(func(t *testing.T, text string, max int) {
		if !utf8.ValidString(text) || max < 8 || max > 200 {
			return
		}
		parts := Split(text, max, UTF16)
		var got strings.Builder
		for i, p := range parts {
			if Len(p, UTF16) > max {
				t.Fatalf("part %q is %d long, more than %d", p, Len(p, UTF16), max)
			}
			if i > 0 && p != "" && parts[i-1] != "" {
				a, _ := utf8.DecodeLastRuneInString(parts[i-1])
				b, _ := utf8.DecodeRuneInString(p)
				if !Breakable(a, b) && !unicode.IsSpace(a) && !unicode.IsSpace(b) {
					t.Fatalf("cut between %U and %U", a, b)
				}
			}
			got.WriteString(p)
		}
		strip := func(s string) string { return strings.Join(strings.Fields(s), "") }
		if strip(got.String()) != strip(text) {
			t.Fatalf("Split(%q) lost text: %q", text, parts)
		}
	})
}
