// Package textsplit cuts a long text into parts that fit a platform's
// limit, at the places a reader would: paragraph breaks first, then line
// breaks, then after a sentence (。！？ and their Latin kin), and only as a
// last resort inside a sentence, never inside a character as a reader
// sees one (a surrogate pair, an emoji with its selector, skin tone or
// joiner, a flag, a letter and its mark). The budget is measured by a
// Width: UTF-16 units for LINE, escaped characters for Slack.
package textsplit

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// piece is a part of a text with the separator that came before it.
type piece struct{ sep, text string }

// Split cuts text into parts of at most max (measured by w), at paragraph
// breaks where it can, then at line breaks, then after sentences, and only
// as a last resort inside a sentence (never inside a character).
func Split(text string, max int, w Width) []string {
	var ps []piece
	for i, para := range strings.Split(text, "\n\n") {
		sep := "\n\n"
		if i == 0 {
			sep = ""
		}
		ps = appendPieces(ps, sep, para, max, w)
	}
	var out []string
	var cur strings.Builder
	n := 0
	for _, p := range ps {
		pn := Len(p.text, w)
		if cur.Len() > 0 && n+Len(p.sep, w)+pn > max {
			out = append(out, cur.String())
			cur.Reset()
			n = 0
		}
		if cur.Len() > 0 {
			cur.WriteString(p.sep)
			n += Len(p.sep, w)
		}
		cur.WriteString(p.text)
		n += pn
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

// appendPieces adds text as pieces of at most max units.
func appendPieces(ps []piece, sep, text string, max int, w Width) []piece {
	if Len(text, w) <= max {
		return append(ps, piece{sep, text})
	}
	if lines := strings.Split(text, "\n"); len(lines) > 1 {
		for i, l := range lines {
			s := "\n"
			if i == 0 {
				s = sep
			}
			ps = appendPieces(ps, s, l, max, w)
		}
		return ps
	}
	if ss := sentences(text); len(ss) > 1 {
		for i, s := range ss {
			if i > 0 {
				sep = ""
			}
			ps = appendPieces(ps, sep, s, max, w)
		}
		return ps
	}
	for text != "" {
		i := Cut(text, max, w)
		if i == 0 { // max is narrower than one character
			_, i = utf8.DecodeRuneInString(text)
		}
		ps = append(ps, piece{sep, text[:i]})
		text, sep = text[i:], ""
	}
	return ps
}

// sentences cuts text after each sentence end, keeping the punctuation
// and the spaces after it with the sentence.
func sentences(text string) []string {
	var out []string
	start := 0
	for i, r := range text {
		if i < start {
			continue
		}
		end := i + utf8.RuneLen(r)
		switch r {
		case '。', '！', '？', '!', '?', '.':
		default:
			continue
		}
		if r == '.' && end < len(text) && text[end] != ' ' {
			continue // 0.47, e.g.
		}
		for end < len(text) && (text[end] == ' ' || text[end] == '\n') {
			end++
		}
		if end < len(text) {
			out = append(out, text[start:end])
			start = end
		}
	}
	return append(out, text[start:])
}

// Width is how much of a budget one character takes.
type Width func(r rune) int

// UTF16 counts UTF-16 code units, as LINE does: two for a character
// outside the Basic Multilingual Plane (most emoji), one for the others.
func UTF16(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}

// Runes counts characters.
func Runes(rune) int { return 1 }

// Len is the length of s measured by w.
func Len(s string, w Width) int {
	n := 0
	for _, r := range s {
		n += w(r)
	}
	return n
}

// Cut returns the byte length of the longest beginning of s within max
// (measured by w) that ends between two characters a reader sees as such: not
// inside a surrogate pair, not before a combining mark, a variation
// selector, a skin tone or after a zero-width joiner. It is at least one
// character when max allows one.
func Cut(s string, max int, w Width) int {
	n, end, prev := 0, 0, rune(-1)
	for i, r := range s {
		rw := w(r)
		if n+rw > max {
			if i > 0 && (end == 0 || Breakable(prev, r)) {
				return i // here, or inside one long cluster rather than nothing
			}
			return end
		}
		if i > 0 && Breakable(prev, r) {
			end = i
		}
		n += rw
		prev = r
	}
	return len(s)
}

// Breakable reports whether text may be cut between a and b: not inside
// what a reader sees as one character.
func Breakable(a, b rune) bool {
	switch {
	case a == 0x200D, b == 0x200D: // zero-width joiner
		return false
	case unicode.In(b, unicode.Mn, unicode.Me, unicode.Mc):
		return false
	case b >= 0xFE00 && b <= 0xFE0F, b >= 0xE0100 && b <= 0xE01EF: // variation selectors
		return false
	case b >= 0x1F3FB && b <= 0x1F3FF: // skin tones
		return false
	case b >= 0xE0020 && b <= 0xE007F: // emoji tags
		return false
	case isRegional(a) && isRegional(b): // flags
		return false
	}
	return true
}

func isRegional(r rune) bool { return r >= 0x1F1E6 && r <= 0x1F1FF }
