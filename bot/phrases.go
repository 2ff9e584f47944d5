package bot

import (
	"strings"
	"unicode/utf8"
)

// phraseSet finds known phrases (synonym forms, fillers, off-topic words)
// in a normalized text in one pass over it, looking up the phrases that
// start with each letter instead of searching for every phrase in turn.
type phraseSet struct {
	byFirst map[rune][]phrase
	// starts marks the letters of the Basic Multilingual Plane that begin
	// a phrase, so that most letters are passed over without a lookup.
	starts [1 << 16 / 64]uint64
}

// phrase is one normalized phrase and what it stands for.
type phrase struct {
	form string
	// latin phrases match whole words only ("cm" must not match inside
	// "cmv"); with prefix set, only the start must be a word boundary
	// ("parkinson" matches "parkinsons").
	latin, prefix bool
	id            int
}

// add adds the normalized form; empty forms are ignored.
func (ps *phraseSet) add(form string, id int, prefix bool) {
	if form == "" {
		return
	}
	if ps.byFirst == nil {
		ps.byFirst = map[rune][]phrase{}
	}
	r, _ := utf8.DecodeRuneInString(form)
	ps.byFirst[r] = append(ps.byFirst[r], phrase{form: form, latin: isLatinText(form), prefix: prefix, id: id})
	if r < 1<<16 {
		ps.starts[r/64] |= 1 << (r % 64)
	}
}

// each calls fn for every occurrence of a phrase in text, in order of
// where they start; fn returns false to stop.
func (ps *phraseSet) each(text string, fn func(start, end, id int) bool) {
	if len(ps.byFirst) == 0 {
		return
	}
	for i, r := range text {
		if r < 1<<16 && ps.starts[r/64]&(1<<(r%64)) == 0 {
			continue
		}
		cands := ps.byFirst[r]
		if len(cands) == 0 {
			continue
		}
		if r < utf8.RuneSelf && i > 0 && isASCIIWord(text[i-1]) {
			// A Latin phrase starts a word; Japanese phrases have
			// non-ASCII first letters and never get here.
			if isASCIIWord(byte(r)) {
				continue
			}
		}
		for _, p := range cands {
			if !strings.HasPrefix(text[i:], p.form) {
				continue
			}
			end := i + len(p.form)
			if p.latin && !p.prefix && end < len(text) && isASCIIWord(text[end]) {
				continue
			}
			if !fn(i, end, p.id) {
				return
			}
		}
	}
}

// any reports whether text contains any phrase.
func (ps *phraseSet) any(text string) bool {
	found := false
	ps.each(text, func(int, int, int) bool {
		found = true
		return false
	})
	return found
}
