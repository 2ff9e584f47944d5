package bot

import (
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
	// id is the token's number in the term table it was read with, if
	// any.
	id int32
}

// termTable numbers the terms met while reading a knowledge base, and
// spells each with one string, which saves most of the allocations of
// indexing it.
type termTable struct {
	ids   map[string]int32
	terms []string // by number
}

func newTermTable() *termTable { return &termTable{ids: make(map[string]int32, 2048)} }

// number returns the term spelt b and its number, adding it if new.
func (tt *termTable) number(b []byte) (string, int32) {
	if id, ok := tt.ids[string(b)]; ok { // no copy of b to look it up
		return tt.terms[id], id
	}
	return tt.numberString(string(b))
}

// numberString is number for a term spelt as a string.
func (tt *termTable) numberString(term string) (string, int32) {
	if id, ok := tt.ids[term]; ok {
		return tt.terms[id], id
	}
	id := int32(len(tt.terms))
	tt.ids[term] = id
	tt.terms = append(tt.terms, term)
	return term, id
}

// spell returns b as a string: through the table when there is one, so
// that the token has a number.
func (tt *termTable) spell(b []byte) (string, int32) {
	if tt == nil {
		return string(b), 0
	}
	return tt.number(b)
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
	// Common words a typo must not be read into: "too many pills" is not
	// "took many pills", nor "going" "doing".
	"too": true, "going": true, "gonna": true, "many": true, "never": true, "anymore": true,
	"again": true, "even": true,
}

// tokenizeRunes splits text, already normalized with katakana kept, into
// index tokens. Katakana is folded per token, so that katakana words are
// not mistaken for particles. With a term table, the tokens are numbered
// in it.
func tokenizeRunes(runes []rune, tt *termTable) []token {
	// About one token per Japanese letter (bigrams), one per English
	// word.
	size := 2
	for _, r := range runes {
		if r >= 0x80 || r == ' ' {
			size++
		}
	}
	return appendTokens(make([]token, 0, size), runes, tt)
}

// appendTokens is tokenizeRunes appending to out.
func appendTokens(out []token, runes []rune, tt *termTable) []token {
	for i := 0; i < len(runes); {
		r := runes[i]
		switch {
		case isWordRune(r):
			j := i
			for j < len(runes) && (isWordRune(runes[j]) || runes[j] == '.' && j+1 < len(runes) && isDigit(runes[j+1])) {
				j++
			}
			var buf [64]byte
			w := buf[:0]
			for _, r := range runes[i:j] {
				w = utf8.AppendRune(w, r)
			}
			if n, y := stemCut(w); y {
				w = append(w[:n], 'y')
			} else {
				w = w[:n]
			}
			if len(w) > 0 && !stopwords[string(w)] {
				text, id := tt.spell(w)
				out = append(out, token{text: text, id: id})
			}
			i = j
		case isJapanese(r):
			j := i
			for j < len(runes) && isJapanese(runes[j]) {
				j++
			}
			out = appendBigrams(out, runes[i:j], tt)
			i = j
		default:
			i++
		}
	}
	return out
}

func isWordRune(r rune) bool {
	return r < 0x3000 && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

func isJapanese(r rune) bool { return isKana(r) || isKanji(r) }

// appendBigrams appends the character bigrams of a Japanese run, and the
// kanji that stand alone between kana (治 of 治る, 猫 of 猫が), which no
// bigram of their own would carry.
func appendBigrams(out []token, run []rune, tt *termTable) []token {
	var buf [8]byte
	for k, r := range run {
		if isKanji(r) && (k == 0 || !isKanji(run[k-1])) && (k+1 == len(run) || !isKanji(run[k+1])) ||
			len(run) == 1 && isKatakana(r) {
			text, id := tt.spell(utf8.AppendRune(buf[:0], toHiragana(r)))
			out = append(out, token{text: text, id: id})
		}
	}
	for k := 0; k+1 < len(run); k++ {
		a, b := run[k], run[k+1]
		text, id := tt.spell(utf8.AppendRune(utf8.AppendRune(buf[:0], toHiragana(a)), toHiragana(b)))
		out = append(out, token{text: text, id: id, soft: isHiragana(a) || isHiragana(b)})
	}
	return out
}

// englishStem folds simple English plurals: trials → trial, therapies →
// therapy. It leaves short words and words ending in ss, us or is alone.
func englishStem(w string) string {
	n, y := stemCut(w)
	if y {
		return w[:n] + "y"
	}
	return w[:n]
}

// stemCut says how englishStem folds w: to its first n bytes, and a y
// after them when y is set.
func stemCut[T string | []byte](w T) (n int, y bool) {
	ends := func(suffix string) bool {
		if len(w) < len(suffix) {
			return false
		}
		for i := range len(suffix) {
			if w[len(w)-len(suffix)+i] != suffix[i] {
				return false
			}
		}
		return true
	}
	switch {
	case len(w) <= 3:
	case ends("ies") && len(w) > 4:
		return len(w) - 3, true
	case ends("ss"), ends("us"), ends("is"):
	case ends("s"):
		return len(w) - 1, false
	}
	return len(w), false
}
