package sqlite

import (
	"regexp"

	"golang.org/x/text/unicode/norm"
)

// Placeholders that replace what Mask removes.
const (
	MaskedEmail  = "[email]"
	MaskedNumber = "[number]"
)

var (
	// An e-mail address, also written with ＠ (folded to @ first), with
	// the ◎ Japanese pages use to keep addresses from harvesters, or with
	// (at) / [at].
	emailPattern = regexp.MustCompile(`(?i)[a-z0-9._%+\-]+\s*(?:@|◎|\(at\)|\[at\])\s*[a-z0-9\-]+(?:\s*(?:\.|\(dot\)|\[dot\])\s*[a-z0-9\-]+)+`)
	// A run of at least six digits, in any script (NFKC has already made
	// full-width digits ASCII), that may be broken by hyphens, dashes, the
	// long-vowel mark people type for a hyphen on phones, parentheses,
	// slashes or single spaces, with an optional leading +: phone numbers
	// (090-1234-5678, 03(1234)5678, +81 90 1234 5678), postal codes
	// (700-8558), card and patient numbers, birth dates (1950/03/02).
	digitRunPattern = regexp.MustCompile(`\+?\(?\p{Nd}(?:[\-‐‑‒–—―−ー()/ ]{0,2}\p{Nd}){5,}\)?`)
	// The same in kanji numerals: 〇九〇一二三四五六七八.
	kanjiRunPattern = regexp.MustCompile(`[〇一二三四五六七八九](?:[\-‐−ー()/ ]{0,2}[〇一二三四五六七八九]){5,}`)
)

// Mask returns text with e-mail addresses replaced by [email] and phone
// numbers and other runs of six or more digits (ASCII, full-width, other
// scripts or kanji numerals) replaced by [number]. The text is NFKC-folded
// first, so full-width forms are caught like ASCII ones. Short figures (5人,
// 0.47, 2023年) are kept: they are what people ask about.
func Mask(text string) string {
	text = norm.NFKC.String(text)
	text = emailPattern.ReplaceAllString(text, MaskedEmail)
	text = digitRunPattern.ReplaceAllString(text, MaskedNumber)
	return kanjiRunPattern.ReplaceAllString(text, MaskedNumber)
}
