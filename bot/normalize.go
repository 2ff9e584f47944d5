package bot

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

const zeroWidthJoiner = '\u200d'

// Normalize folds the ways people type the same words into one form:
// NFKC (full-width letters and half-width katakana), lower case, katakana
// to hiragana, long-vowel marks and dashes between kana dropped, and
// punctuation turned into single spaces.
func Normalize(s string) string {
	return string(appendNormalized(nil, s, true))
}

// appendNormalized appends the normalized s to dst; with fold false it
// keeps katakana, so that the tokenizer can tell words from particles.
func appendNormalized(dst []rune, s string, fold bool) []rune {
	start := len(dst)
	dst, marks := appendNormalizedOnce(dst, s, fold)
	if marks {
		// A letter lowered, or brought next to a mark by dropping what
		// was between them, can compose with it (H̱ → ẖ, a'̀ → à).
		again := string(dst[start:])
		dst, _ = appendNormalizedOnce(dst[:start], again, fold)
	}
	return joinJapanese(dst, start)
}

// spaced is text normalized and folded, with the separators between
// Japanese letters kept as pauses: what joinJapanese drops.
func spaced(text string) string {
	raw, _ := appendNormalizedOnce(nil, text, false)
	return string(foldKana(raw))
}

// joinJapanese drops, from dst[start:], the separators between Japanese
// letters: Japanese is written without spaces, and people put a space, a
// 、 or a ！ in as a pause (「いき くるしい」 is いきくるしい).
func joinJapanese(dst []rune, start int) []rune {
	out := dst[:start]
	for i := start; i < len(dst); i++ {
		if dst[i] == ' ' && len(out) > start && i+1 < len(dst) && isJapanese(out[len(out)-1]) && isJapanese(dst[i+1]) {
			continue
		}
		out = append(out, dst[i])
	}
	return out
}

// appendNormalizedOnce is appendNormalized in one pass; it reports whether
// the text has a combining mark.
func appendNormalizedOnce(dst []rune, s string, fold bool) (_ []rune, marks bool) {
	if !nfkcNarrowOnly(s) {
		s = norm.NFKC.String(s)
	}
	space := true // no leading space
	prev := rune(0)
	for _, r := range s {
		if isFullWidthASCII(r) {
			r -= fullWidthOffset
		}
		// Fast paths for the letters most text is made of.
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r >= 0x4E00 && r <= 0x9FFF || r >= 'ぁ' && r <= 'ゖ' {
			dst = append(dst, r)
			space, prev = false, r
			continue
		}
		switch {
		case isLongVowel(r) && (isKana(prev) || prev == 0):
			continue // ミューズ = ミュズ = ミュ-ズ
		case r == '.' && isDigit(prev):
			// keep decimal points: 0.47
		case r == '\'' || r == '’':
			continue // parkinson's = parkinsons
		case unicode.IsPunct(r) || unicode.IsSymbol(r) || unicode.IsSpace(r) || unicode.IsControl(r) ||
			r == zeroWidthJoiner || unicode.Is(unicode.Variation_Selector, r):
			// An emoji's selector and joiner go with it: "☀️" and "👨‍👩‍👧"
			// are symbols, not letters with marks.
			if !space {
				dst = append(dst, ' ')
				space = true
			}
			prev = 0
			continue
		}
		if r >= 0x300 && unicode.In(r, unicode.Mn, unicode.Mc, unicode.Me) {
			marks = true
		}
		r = unicode.ToLower(r)
		if long, ok := macrons[r]; ok {
			// Hepburn's long vowels: tōyo = touyo, kūki = kuuki.
			dst = append(dst, long...)
			space, prev = false, long[1]
			continue
		}
		if fold {
			r = toHiragana(r)
		}
		dst = append(dst, r)
		space = false
		prev = r
	}
	if n := len(dst); n > 0 && dst[n-1] == ' ' {
		dst = dst[:n-1]
	}
	// A trailing decimal point ("0.47.") is punctuation after all.
	if n := len(dst); n > 0 && dst[n-1] == '.' {
		dst = dst[:n-1]
	}
	return dst, marks
}

// nfkcNarrowOnly reports whether NFKC would do no more to s than narrow
// its full-width ASCII (？ to ?): s is made only of letters that NFKC
// leaves as they are and that never combine with their neighbours
// (ASCII, kana, the common kanji, Japanese punctuation), and of full-width
// ASCII. Most text is, and checking is cheaper than NFKC.
func nfkcNarrowOnly(s string) bool {
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf, isFullWidthASCII(r),
			r >= 'ぁ' && r <= 'ゖ', r >= 'ァ' && r <= 'ヺ', r == 'ー', r == '・',
			r >= 0x4E00 && r <= 0x9FFF, r == '々',
			r == '、', r == '。', r == '「', r == '」':
		default:
			return false
		}
	}
	return true
}

// isFullWidthASCII reports whether r is one of the full-width forms of
// the printable ASCII letters (！ to ～), which NFKC maps to ASCII by
// subtracting fullWidthOffset.
func isFullWidthASCII(r rune) bool { return r >= '！' && r <= '～' }

const fullWidthOffset = '！' - '!'

// macrons spell Hepburn's long vowels as romaji typed without them.
var macrons = map[rune][]rune{
	'ā': []rune("aa"), 'ī': []rune("ii"), 'ū': []rune("uu"), 'ē': []rune("ee"), 'ō': []rune("ou"),
	'â': []rune("aa"), 'î': []rune("ii"), 'û': []rune("uu"), 'ê': []rune("ee"), 'ô': []rune("ou"),
}

func isLongVowel(r rune) bool {
	switch r {
	case 'ー', '-', '~', '〜', '−', '‐', '―', 'ｰ':
		return true
	}
	return false
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

func isHiragana(r rune) bool { return r >= 'ぁ' && r <= 'ゖ' }

func isKatakana(r rune) bool { return r >= 'ァ' && r <= 'ヺ' }

func isKana(r rune) bool { return isHiragana(r) || isKatakana(r) }

func isKanji(r rune) bool {
	return r >= 0x4E00 && r <= 0x9FFF || r >= 0x80 && (unicode.Is(unicode.Han, r) || r == '々')
}

// toHiragana maps a katakana letter to its hiragana twin.
func toHiragana(r rune) rune {
	if r >= 'ァ' && r <= 'ヶ' {
		return r - 0x60
	}
	return r
}

// Language returns the reply language for a message: Japanese when it has
// any Japanese script, English when it has Latin letters, otherwise def.
func Language(s, def string) string {
	latin := false
	for _, r := range s {
		if isKana(r) || isKanji(r) || (r >= 'ｦ' && r <= 'ﾟ') {
			return "ja"
		}
		if unicode.IsLetter(r) && r < 0x250 || r >= 'Ａ' && r <= 'ｚ' {
			latin = true
		}
	}
	if latin {
		return "en"
	}
	return def
}
