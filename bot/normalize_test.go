package bot

import (
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ＡＬＳは治る？", "alsは治る"},
		{"ﾐｭｰｽﾞ細胞", "みゅず細胞"},
		{"ミューズ細胞", "みゅず細胞"},
		{"ミュ－ズ", "みゅず"},
		{"Muse  trial!!", "muse trial"},
		{"0.47 → 0.25", "0.47 0.25"},
		{"Parkinson's", "parkinsons"},
		{"ALSFRS-R", "alsfrs r"},
		{"ｉＰＳ細胞", "ips細胞"},
		{"　", ""},
	}
	for _, tt := range tests {
		if got := Normalize(tt.in); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestLanguage(t *testing.T) {
	tests := []struct{ in, def, want string }{
		{"ミューズ細胞の治験結果は？", "ja", "ja"},
		{"Muse trial results", "ja", "en"},
		{"ＡＬＳとは", "en", "ja"},
		{"ｍｕｓｅ", "ja", "en"},
		{"119", "ja", "ja"},
		{"119", "en", "en"},
		{"Muse細胞", "en", "ja"},
	}
	for _, tt := range tests {
		if got := Language(tt.in, tt.def); got != tt.want {
			t.Errorf("Language(%q, %q) = %q, want %q", tt.in, tt.def, got, tt.want)
		}
	}
}

func TestTokenize(t *testing.T) {
	got := texts(tokenize("ﾐｭｰｽﾞ細胞の治験結果は？"))
	for _, want := range []string{"みゅ", "ゅず", "細胞", "治験", "験結", "結果"} {
		if !strings.Contains(" "+got+" ", " "+want+" ") {
			t.Errorf("tokens %q lack %q", got, want)
		}
	}
	if got := texts(tokenize("What are the Muse trials?")); got != "what muse trial" {
		t.Errorf("English tokens = %q, want stop words dropped and plurals folded", got)
	}
	if got := texts(tokenize("ALSは治る")); !strings.Contains(got, "治") {
		t.Errorf("tokens %q lack the lone kanji 治", got)
	}
}

func texts(toks []token) string {
	var out []string
	for _, t := range toks {
		out = append(out, t.text)
	}
	return strings.Join(out, " ")
}

// FuzzNormalize checks that normalization and tokenization accept any
// text: valid UTF-8 out, idempotent, and no empty tokens.
// tokenize normalizes and tokenizes text, as the index reads a question.
func tokenize(text string) []token {
	return tokenizeRunes(appendNormalized(nil, text, false), nil)
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"ミューズ細胞の治験結果は？", "ＡＬＳは治る？", "ﾐｭｰｽﾞ", "か\u3099", "カ\u309a", "ヷ", "Ａ\u0300", "？\u20dd", "Parkinson's", "0.47.", "ー-ー", "a\u0300\u200d", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if nfkcNarrowOnly(s) {
			narrowed := strings.Map(func(r rune) rune {
				if isFullWidthASCII(r) {
					return r - fullWidthOffset
				}
				return r
			}, s)
			if nfkc := norm.NFKC.String(s); nfkc != narrowed {
				t.Fatalf("NFKC(%q) = %q, not %q", s, nfkc, narrowed)
			}
		}
		n := Normalize(s)
		if !utf8.ValidString(n) {
			t.Fatalf("Normalize(%q) = %q is not valid UTF-8", s, n)
		}
		if again := Normalize(n); again != n {
			t.Fatalf("Normalize is not idempotent: %q → %q → %q", s, n, again)
		}
		for _, tok := range tokenize(s) {
			if tok.text == "" {
				t.Fatalf("empty token from %q", s)
			}
		}
	})
}

// TestSpacesBetweenJapaneseWords: a space or a mark typed between
// Japanese words is a pause, not a boundary; next to a Latin word it
// stays.
func TestSpacesBetweenJapaneseWords(t *testing.T) {
	for in, want := range map[string]string{
		"いき くるしそう":           "いきくるしそう",
		"ALS って　なに":          "als ってなに",
		"Muse trial results": "muse trial results",
		"治験の結果は？ 副作用は？":      "治験の結果は副作用は",
		"what is ALS? 治りますか": "what is als 治りますか",
	} {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}
