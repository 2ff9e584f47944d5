package knowledge

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Copying limits: an answer may not repeat this many letters (Japanese)
// or words (English) of a document it cites, in a row. Sentences are
// ours; facts and figures carry over.
const (
	MaxCopiedLetters = 20
	MaxCopiedWords   = 8
)

// Copies checks each answer against the text of the documents its
// sources name (Source.Document, read from docs) and reports, at the line
// of the answer, every run of MaxCopiedLetters letters (Japanese, after
// NFKC and with spaces dropped) or MaxCopiedWords words (English) that
// the answer shares with one of them. The titles, DOIs and authors of the
// cited sources are exempt: quoting a title is not copying it. Problems
// are *Problem values joined with errors.Join; d is the directory kb was
// loaded from, for lines. A source whose document docs does not have is
// reported once, as a problem of the register.
func Copies(kb *KB, d Dir, docs fs.FS) error {
	lines := locateEntries(d)
	type document struct {
		letters map[string]bool // every MaxCopiedLetters-letter run
		words   map[string]bool // every MaxCopiedWords-word run
	}
	read := map[string]*document{}
	var problems []error
	for _, s := range kb.Sources {
		if s.Document == "" {
			continue
		}
		data, err := fs.ReadFile(docs, s.Document)
		if err != nil {
			problems = append(problems, &Problem{Pos: s.Pos, Msg: fmt.Sprintf("source %q: its document %s cannot be read, so answers citing it are not checked for copying: %v", s.ID, s.Document, err)})
			continue
		}
		text := string(data)
		read[s.ID] = &document{letters: runs(letters(text), MaxCopiedLetters, ""), words: runs(words(text), MaxCopiedWords, " ")}
	}
	for _, e := range kb.Entries {
		exempt := exemptions(kb, e)
		for _, lang := range []string{JA, EN} {
			answer := e.Answer.In(lang)
			for n, line := range strings.Split(answer, "\n") {
				for _, id := range e.Sources {
					doc := read[id]
					if doc == nil {
						continue
					}
					text := line
					for _, x := range exempt {
						text = strings.ReplaceAll(text, x, " ")
					}
					if run := longestShared(letters(text), doc.letters, MaxCopiedLetters, ""); run != "" {
						problems = append(problems, &Problem{Pos: lines.answerLine(e, lang, n+1),
							Msg: fmt.Sprintf("entry %q: the %s answer copies %d letters in a row from %s: %q; say it in our own words", e.ID, lang, len([]rune(run)), id, run)})
					}
					if run := longestShared(words(text), doc.words, MaxCopiedWords, " "); run != "" {
						problems = append(problems, &Problem{Pos: lines.answerLine(e, lang, n+1),
							Msg: fmt.Sprintf("entry %q: the %s answer copies %d words in a row from %s: %q; say it in our own words", e.ID, lang, len(strings.Fields(run)), id, run)})
					}
				}
			}
		}
	}
	return errors.Join(problems...)
}

// exemptions are the strings an answer may repeat from its sources: their
// titles, DOIs and authors, and the entry's own quotes.
func exemptions(kb *KB, e *Entry) []string {
	var out []string
	for _, id := range e.Sources {
		s, ok := kb.Source(id)
		if !ok {
			continue
		}
		for _, x := range append([]string{s.Title, s.TitleEN, s.DOI}, s.Authors...) {
			if x != "" {
				out = append(out, x)
			}
		}
	}
	return append(out, e.Quotes...)
}

// letters returns the text's letters for the Japanese check: NFKC, lower
// case, spaces dropped; only runs with Japanese in them count.
func letters(s string) []string {
	var out []string
	for _, r := range norm.NFKC.String(s) {
		if unicode.IsSpace(r) {
			continue
		}
		out = append(out, string(unicode.ToLower(r)))
	}
	return out
}

// words returns the text's words for the English check: lower case,
// punctuation dropped.
func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(norm.NFKC.String(s)), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\''
	})
}

// runs returns every run of n consecutive tokens, joined with sep.
func runs(toks []string, n int, sep string) map[string]bool {
	out := map[string]bool{}
	for i := 0; i+n <= len(toks); i++ {
		out[strings.Join(toks[i:i+n], sep)] = true
	}
	return out
}

// longestShared returns the longest stretch of toks, at least n long,
// whose every n-run is in doc, or "" when there is none. A Japanese
// stretch must have kana or kanji in it: a shared run of Latin letters
// and digits is a name or a figure.
func longestShared(toks []string, doc map[string]bool, n int, sep string) string {
	best, start := "", -1
	flush := func(end int) {
		if start < 0 {
			return
		}
		run := toks[start : end+n-1]
		if s := strings.Join(run, sep); len([]rune(s)) > len([]rune(best)) && (sep != "" || hasJapanese(s)) {
			best = s
		}
		start = -1
	}
	for i := 0; i+n <= len(toks); i++ {
		if doc[strings.Join(toks[i:i+n], sep)] {
			if start < 0 {
				start = i
			}
			continue
		}
		flush(i)
	}
	flush(len(toks) - n + 1)
	return best
}

func hasJapanese(s string) bool {
	for _, r := range s {
		if unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Han) {
			return true
		}
	}
	return false
}
