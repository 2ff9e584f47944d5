package bot

import (
	"regexp"
	"slices"
	"strings"
	"unicode"

	"alsbot/knowledge"
)

// vocabulary is every text of the knowledge base (entries' questions,
// keywords, readings, titles and answers, and the synonyms), normalized
// with katakana folded, one per line: what the bot knows the words of.
type vocabulary string

func newVocabulary(kb *knowledge.KB) vocabulary {
	var sb strings.Builder
	add := func(s string) {
		sb.WriteString(string(foldKana(appendNormalized(nil, s, false))))
		sb.WriteByte('\n')
	}
	for _, e := range kb.Entries {
		for _, lang := range []string{knowledge.JA, knowledge.EN} {
			for _, q := range e.Questions.In(lang) {
				add(q)
			}
			add(e.Title.In(lang))
			add(e.Answer.In(lang))
		}
		for _, k := range e.Keywords {
			add(k)
		}
		for _, r := range e.Readings {
			add(r)
		}
	}
	for _, g := range kb.Synonyms {
		for _, f := range g.Forms {
			add(f)
		}
	}
	return vocabulary(sb.String())
}

// knows reports whether a normalized, folded word is in the vocabulary.
func (v vocabulary) knows(word string) bool { return strings.Contains(string(v), word) }

// helpsWith are the endings of a Japanese question asking whether
// something helps with a condition: 「アトピーに効く？」, 「肌荒れにいい？」.
var helpsWith = []string{"に効", "にきく", "にきき", "に効果", "にこうか", "によい", "に良い", "にいい", "に使え", "につかえ", "に有効", "にも効", "にもきく", "にも効果", "にもこうか", "にもいい", "にも良い", "にも使え", "にも有効"}

// unknownCondition reports whether the message, as read, asks whether
// something helps with a condition written in kanji or katakana that no
// entry speaks of ("臍帯由来の上清液はアトピーに効く？"): a question the
// sources cannot answer, whatever topic it names.
func (b *Bot) unknownCondition(read []rune) bool {
	text := string(read)
	for _, end := range helpsWith {
		for off := 0; ; {
			i := strings.Index(text[off:], end)
			if i < 0 {
				break
			}
			i += off
			off = i + len(end)
			if b.untreatedBefore(text[:i]) {
				return true
			}
			word := wordBefore([]rune(text[:i]))
			if len([]rune(word)) < 2 {
				continue
			}
			if !b.vocab.knows(string(foldKana(appendNormalized(nil, word, false)))) {
				return true
			}
		}
	}
	return false
}

// helpsWithEN finds an English question asking whether something helps
// with a condition: "does conditioned medium help with eczema?"
var helpsWithEN = regexp.MustCompile(`\b(?:(?:help|helps|helpful|good|work|works|effective|used|use it)\s+(?:with|for|on|against)|treat|treats|cure|cures)\s+(?:(?:my|his|her|their|our|the|a|an|people with|patients with|someone with)\s+)*([a-z]{4,})`)

// helpsWithWords are the words one of which helpsWithEN needs.
var helpsWithWords = []string{"help", "good", "work", "effective", "used", "use it", "treat", "cure"}

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// unknownConditionEN is unknownCondition for English: the word after
// "help with", "good for", "treat".
func (b *Bot) unknownConditionEN(norm string) bool {
	if !strings.ContainsAny(norm, "abcdefghijklmnopqrstuvwxyz") || !containsAny(norm, helpsWithWords) {
		return false // most messages: the expression need not run
	}
	for _, m := range helpsWithEN.FindAllStringSubmatch(norm, -1) {
		if !b.vocab.knows(m[1]) || slices.Contains(b.untreated, m[1]) {
			return true
		}
	}
	return false
}

// untreatedBefore reports whether text ends with a condition the sources
// never speak of as treated: 「がんに効く」.
func (b *Bot) untreatedBefore(text string) bool {
	for _, w := range b.untreated {
		if strings.HasSuffix(text, w) {
			return true
		}
	}
	return false
}

// wordBefore is the run of kanji, katakana or Latin letters that ends
// the text: the word a particle follows.
func wordBefore(rs []rune) string {
	start := len(rs)
	for start > 0 {
		r := rs[start-1]
		if !isKanji(r) && !isKatakana(r) && r != 'ー' && !unicode.IsLetter(r) || isHiragana(r) {
			break
		}
		start--
	}
	return string(rs[start:])
}
