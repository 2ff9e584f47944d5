package bot

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// token is one indexed unit of text: a Latin word, or a character bigram
// (a single character for a one-character run) of Japanese.
type token struct {
	text string
	// soft marks Japanese tokens with a hiragana letter in them: mostly
	// grammar and word boundaries (の, って, 液っ), so unknown ones do not
	// count against a match the way an unknown content word does.
	soft bool
}

// stopwords are English words that carry no topic.
var stopwords = map[string]bool{
	"a": true, "an": true, "the": true, "is": true, "are": true, "was": true, "were": true,
	"be": true, "been": true, "of": true, "to": true, "in": true, "on": true, "for": true,
	"and": true, "or": true, "do": true, "does": true, "did": true, "can": true, "could": true,
	"i": true, "you": true, "me": true, "my": true, "it": true, "its": true, "this": true,
	"that": true, "about": true, "with": true, "please": true, "tell": true, "there": true,
	"any": true, "at": true, "by": true, "from": true, "so": true, "s": true, "we": true,
	"they": true, "them": true, "their": true, "our": true, "your": true, "he": true, "she": true,
	"his": true, "her": true, "know": true, "want": true, "would": true, "like": true,
	"some": true, "have": true, "has": true, "had": true, "im": true, "just": true, "also": true,
	"these": true, "those": true, "which": true, "whose": true, "whom": true, "eventually": true,
	"very": true, "quite": true, "much": true, "such": true, "ever": true, "still": true, "yet": true,
	"might": true, "may": true, "must": true, "shall": true, "should": true, "will": true,
	"am": true, "being": true, "into": true, "onto": true, "because": true, "if": true,
	"us": true, "him": true, "hers": true, "mine": true, "ours": true, "someone": true, "something": true,
	"ok": true, "okay": true, "more": true, "one": true, "ones": true, "then": true, "yes": true,
	"yeah": true, "sure": true, "well": true, "really": true, "actually": true,
	"thanks": true, "thank": true, "pls": true, "plz": true, "hi": true, "hello": true,
}

// tokenizeRunes splits text, already normalized with katakana kept, into
// index tokens. Katakana is folded per token, so that katakana words are
// not mistaken for particles. With a non-nil intern table, repeated tokens
// share one string, which saves most of the allocations of indexing a
// knowledge base.
func tokenizeRunes(runes []rune, intern map[string]string) []token {
	// About one token per Japanese letter (bigrams), one per English
	// word.
	size := 2
	for _, r := range runes {
		if r >= 0x80 || r == ' ' {
			size++
		}
	}
	out := make([]token, 0, size)
	for i := 0; i < len(runes); {
		r := runes[i]
		switch {
		case isWordRune(r):
			j := i
			for j < len(runes) && (isWordRune(runes[j]) || runes[j] == '.' && j+1 < len(runes) && isDigit(runes[j+1])) {
				j++
			}
			if w := englishStem(internRunes(runes[i:j], intern)); w != "" && !stopwords[w] {
				out = append(out, token{text: w})
			}
			i = j
		case isJapanese(r):
			j := i
			for j < len(runes) && isJapanese(runes[j]) {
				j++
			}
			out = appendBigrams(out, runes[i:j], intern)
			i = j
		default:
			i++
		}
	}
	return out
}

// internRunes returns rs as a string, the one in intern when there is one.
func internRunes(rs []rune, intern map[string]string) string {
	var buf [64]byte
	b := buf[:0]
	for _, r := range rs {
		b = utf8.AppendRune(b, r)
	}
	if s, ok := intern[string(b)]; ok {
		return s
	}
	s := string(b)
	if intern != nil {
		intern[s] = s
	}
	return s
}

func isWordRune(r rune) bool {
	return r < 0x3000 && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

func isJapanese(r rune) bool { return isKana(r) || isKanji(r) }

// appendBigrams appends the character bigrams of a Japanese run, and the
// kanji that stand alone between kana (治 of 治る, 猫 of 猫が), which no
// bigram of their own would carry.
func appendBigrams(out []token, run []rune, intern map[string]string) []token {
	for k, r := range run {
		if isKanji(r) && (k == 0 || !isKanji(run[k-1])) && (k+1 == len(run) || !isKanji(run[k+1])) {
			out = append(out, token{text: string(r)})
		} else if len(run) == 1 && isKatakana(r) {
			out = append(out, token{text: string(toHiragana(r))})
		}
	}
	for k := 0; k+1 < len(run); k++ {
		a, b := run[k], run[k+1]
		var buf [8]byte
		bg := utf8.AppendRune(utf8.AppendRune(buf[:0], toHiragana(a)), toHiragana(b))
		text, ok := intern[string(bg)]
		if !ok {
			text = string(bg)
			if intern != nil {
				intern[text] = text
			}
		}
		out = append(out, token{
			text: text,
			soft: isHiragana(a) || isHiragana(b),
		})
	}
	return out
}

// englishStem folds simple English plurals: trials → trial, therapies →
// therapy. It leaves short words and words ending in ss, us or is alone.
func englishStem(w string) string {
	switch {
	case len(w) <= 3:
		return w
	case strings.HasSuffix(w, "ies") && len(w) > 4:
		return w[:len(w)-3] + "y"
	case strings.HasSuffix(w, "ss"), strings.HasSuffix(w, "us"), strings.HasSuffix(w, "is"):
		return w
	case strings.HasSuffix(w, "s"):
		return w[:len(w)-1]
	}
	return w
}
