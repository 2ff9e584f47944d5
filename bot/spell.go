package bot

import (
	"slices"
	"strings"
)

// speller rewrites the Latin words of a question that the knowledge base
// does not know: an English word a letter away from an indexed word is
// corrected to it ("trail" → "trial", "condtioned" → "conditioned"), and
// Japanese typed in romaji is read as kana ("saibou" → さいぼう).
type speller struct {
	known map[string]int // indexed Latin word → entries that have it
	// indexed reports whether a term (a kana bigram) is in the index.
	indexed func(term string) bool
	// byLen holds the indexed words by length: a word one edit away from
	// another is at most one letter longer or shorter.
	byLen map[int][]string
	// asIs are the words of the knowledge base's fillers: never
	// corrected or split, so that the filler can still be blanked
	// ("understand" is not "under stand").
	asIs map[string]bool
}

// minSpellLen is the shortest word corrected: shorter words are too often
// one letter from another real word.
const minSpellLen = 4

func newSpeller(ix *index, fillers []string) speller {
	sp := speller{known: map[string]int{}, byLen: map[int][]string{}, asIs: map[string]bool{},
		indexed: func(term string) bool { return ix.df(term) > 0 }}
	for _, f := range fillers {
		for w := range strings.FieldsSeq(Normalize(f)) {
			if isLatinWord(w) {
				sp.asIs[w] = true
			}
		}
	}
	for term, id := range ix.terms {
		if isLatinWord(term) {
			sp.known[term] = len(ix.postings[id])
			sp.byLen[len(term)] = append(sp.byLen[len(term)], term)
		}
	}
	return sp
}

// isLatinWord reports whether s is a lower-case ASCII word with a letter.
func isLatinWord(s string) bool {
	letter := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z':
			letter = true
		case c >= '0' && c <= '9':
		default:
			return false
		}
	}
	return letter
}

// correct returns the indexed word one edit from w that most entries
// share, and false when there is none.
func (sp *speller) correct(w string) (string, bool) {
	if len(w) < minSpellLen-1 {
		return "", false
	}
	short := len(w) < minSpellLen // only a letter left out: "cel" → "cell"
	best, bestDF := "", 0
	for n := len(w) - 1; n <= len(w)+1; n++ {
		for _, c := range sp.byLen[n] {
			// A shorter word must still be a long one: "thank" is not
			// a misspelt "than".
			if n < len(w) && n <= minSpellLen || short && n == len(w) || !oneEdit(w, c) {
				continue
			}
			// A short word with one letter changed is most often
			// another real word: "line" is not a misspelt "life".
			if n == len(w) && n <= minSpellLen && !swapped(w, c) {
				continue
			}
			if df := sp.known[c]; df > bestDF || df == bestDF && c < best {
				best, bestDF = c, df
			}
		}
	}
	return best, bestDF > 0
}

// split splits a word run together from two indexed words: "stemcell" →
// "stem cell".
func (sp *speller) split(w string) (string, string, bool) {
	for i := 3; i+3 <= len(w); i++ {
		a, b := w[:i], w[i:]
		if sp.known[a] > 0 && (sp.known[b] > 0 || sp.known[englishStem(b)] > 0) {
			return a, b, true
		}
	}
	return "", "", false
}

// latinWord is a Latin word of a question and how it may be rewritten.
type latinWord struct {
	start, end int // in runes
	text       string
	fix        string // the corrected English word
	kana       string // the word read as romaji
	unknown    bool   // neither indexed nor a stop word
}

// rewrite returns the normalized text with its unknown Latin words
// corrected or read as romaji, and whether most of its words were romaji. Words the index knows, stop words and
// numbers are left alone, except short particles ("no", "to") between
// romaji words. Consecutive romaji words are joined, as Japanese is written
// without spaces: "myu zu saibou" → みゅずさいぼう.
func (sp *speller) rewrite(raw []rune) ([]rune, bool) {
	if !hasLatinLetter(raw) {
		return raw, false
	}
	var words []latinWord
	romaji := false
	for i := 0; i < len(raw); {
		if raw[i] >= 0x80 || !isWordRune(raw[i]) {
			i++
			continue
		}
		j := i
		for j < len(raw) && raw[j] < 0x80 && isWordRune(raw[j]) {
			j++
		}
		w := latinWord{start: i, end: j, text: string(raw[i:j])}
		i = j
		stem := englishStem(w.text)
		w.unknown = isLatinWord(w.text) && sp.known[stem] == 0 && sp.known[w.text] == 0 && !stopwords[stem] && !sp.asIs[w.text]
		particle, isParticle := romajiParticles[w.text]
		switch {
		case !w.unknown || isParticle:
			w.kana = particle
		default:
			if fix, ok := sp.correct(stem); ok {
				w.fix = fix
			} else if a, b, ok := sp.split(w.text); ok {
				w.fix = a + " " + b
			} else if k, ok := toKana(w.text); ok {
				w.kana = k
				romaji = true
			}
		}
		words = append(words, w)
	}
	if romaji {
		romaji = sp.keepKnownRuns(words)
	}
	if !romaji && !slices.ContainsFunc(words, func(w latinWord) bool { return w.fix != "" }) {
		return raw, false
	}
	var out []rune
	last := 0
	prevKana := false
	kana := 0
	for _, w := range words {
		text := w.text
		asKana := romaji && w.kana != "" && w.fix == "" && (w.unknown || prevKana)
		switch {
		case w.fix != "":
			text = w.fix
		case asKana:
			text = w.kana
			kana++
		}
		gap := raw[last:w.start]
		if asKana && prevKana && isSpaces(gap) {
			gap = nil // one Japanese run
		}
		out = append(out, gap...)
		out = append(out, []rune(text)...)
		last = w.end
		prevKana = asKana
	}
	// The message is Japanese in Latin letters when most of its words
	// are romaji: "Tokyo" in an English question does not make it so.
	return append(out, raw[last:]...), 2*kana >= len(words)
}

// allKana reads every word of raw that spells Japanese syllables as kana,
// joining neighbours, whatever the knowledge base knows: for the safety
// rules, which must catch "kokyuuki no aramu ga nariyamanai" though no
// entry speaks of alarms. It returns nil when no word reads as kana.
func allKana(raw []rune) []rune {
	if !hasLatinLetter(raw) {
		return nil
	}
	var out []rune
	converted, prevKana := false, false
	last := 0
	for i := 0; i < len(raw); {
		if raw[i] >= 0x80 || !isWordRune(raw[i]) {
			i++
			continue
		}
		j := i
		for j < len(raw) && raw[j] < 0x80 && isWordRune(raw[j]) {
			j++
		}
		gap := raw[last:i]
		text := raw[i:j]
		k, ok := romajiParticles[string(text)]
		if !ok {
			k, ok = toKana(string(text))
		}
		if ok {
			text = []rune(k)
			converted = true
			if prevKana && isSpaces(gap) {
				gap = nil
			}
		}
		out = append(append(out, gap...), text...)
		prevKana = ok
		last, i = j, j
	}
	if !converted {
		return nil
	}
	return append(out, raw[last:]...)
}

// keepKnownRuns keeps romaji only where it reads as words the knowledge
// base has: a run of romaji words whose kana bigrams are mostly unknown is
// more likely English the index lacks ("batting average"), and must count
// against a match as the unknown word it is.
func (sp *speller) keepKnownRuns(words []latinWord) bool {
	kept := false
	for i := 0; i < len(words); {
		if words[i].kana == "" || !words[i].unknown {
			i++
			continue
		}
		j := i
		for j < len(words) && words[j].kana != "" && words[j].fix == "" {
			j++
		}
		var run []rune
		for k := i; k < j; k++ {
			next := ""
			if k+1 < j {
				next = words[k+1].kana
			}
			words[k].kana = sp.lengthen(words[k].kana, next)
		}
		run = run[:0]
		for k := i; k < j; k++ {
			run = append(run, []rune(words[k].kana)...)
		}
		known, total := sp.knownBigrams(run)
		if total == 0 || 2*known < total {
			for k := i; k < j; k++ {
				words[k].kana = ""
			}
		} else {
			kept = true
		}
		i = j
	}
	return kept
}

// knownBigrams counts the kana bigrams of run the index has, of all.
func (sp *speller) knownBigrams(run []rune) (known, total int) {
	for k := 0; k+1 < len(run); k++ {
		total++
		if sp.indexed(string(run[k : k+2])) {
			known++
		}
	}
	return known, total
}

// lengthen adds the long vowel romaji often leaves out after a
// contracted sound, where the index knows the long form: "chiryo" →
// ちりょう, "hyojun" → ひょうじゅん (not じゅうん: before ん it stays short).
// next is the kana of the word that follows in the same run, if any.
func (sp *speller) lengthen(kana, next string) string {
	rs := []rune(kana + next)
	var out []rune
	for k, r := range rs[:len([]rune(kana))] {
		out = append(out, r)
		if r != 'ょ' && r != 'ゅ' || k+1 < len(rs) && (rs[k+1] == 'う' || rs[k+1] == 'ん' || strings.ContainsRune("あいうえお", rs[k+1])) {
			continue
		}
		if sp.indexed(string([]rune{r, 'う'})) && (k+1 == len(rs) || sp.indexed(string([]rune{'う', rs[k+1]}))) {
			out = append(out, 'う')
		}
	}
	return string(out)
}

// oneEdit reports whether a and b differ by at most one insertion,
// deletion, substitution or swap of neighbouring letters.
func oneEdit(a, b string) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	if len(b)-len(a) > 1 {
		return false
	}
	i := 0
	for i < len(a) && a[i] == b[i] {
		i++
	}
	if i == len(a) {
		return true
	}
	if len(a) == len(b) {
		return a[i+1:] == b[i+1:] || swapped(a, b) // a substitution, or a swap
	}
	return a[i:] == b[i+1:] // b has one letter more
}

// swapped reports whether a becomes b by swapping two neighbouring
// letters.
func swapped(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	i := 0
	for i < len(a) && a[i] == b[i] {
		i++
	}
	return i+1 < len(a) && a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:]
}

func hasLatinLetter(rs []rune) bool {
	for _, r := range rs {
		if r >= 'a' && r <= 'z' {
			return true
		}
	}
	return false
}

func isSpaces(rs []rune) bool {
	for _, r := range rs {
		if r != ' ' {
			return false
		}
	}
	return true
}

// romajiParticles are short romaji words that are also English words or
// stop words; they are read as kana only after another romaji word.
var romajiParticles = map[string]string{
	"no": "の", "wa": "は", "ha": "は", "ga": "が", "wo": "を", "o": "を", "to": "と",
	"ni": "に", "de": "で", "mo": "も", "ka": "か", "ya": "や", "e": "え", "tte": "って",
	"towa": "とは", "nani": "なに", "desu": "です", "masu": "ます", "a": "あ", "i": "い",
}

// romajiTable maps romaji syllables to hiragana, Hepburn and Kunrei-shiki
// spellings alike.
var romajiTable = func() map[string]string {
	m := map[string]string{
		"a": "あ", "i": "い", "u": "う", "e": "え", "o": "お",
		"shi": "し", "si": "し", "chi": "ち", "ti": "ち", "tsu": "つ", "tu": "つ",
		"fu": "ふ", "hu": "ふ", "ji": "じ", "zi": "じ", "di": "ぢ", "du": "づ",
		"wa": "わ", "wo": "を", "nn": "ん", "n'": "ん",
		"sha": "しゃ", "shu": "しゅ", "sho": "しょ", "she": "しぇ",
		"cha": "ちゃ", "chu": "ちゅ", "cho": "ちょ", "che": "ちぇ",
		"ja": "じゃ", "ju": "じゅ", "jo": "じょ", "je": "じぇ",
		"fa": "ふぁ", "fi": "ふぃ", "fe": "ふぇ", "fo": "ふぉ",
		"thi": "てぃ", "dhi": "でぃ", "va": "ゔぁ", "vi": "ゔぃ", "vu": "ゔ", "ve": "ゔぇ", "vo": "ゔぉ",
	}
	rows := map[string]string{
		"k": "かきくけこ", "s": "さしすせそ", "t": "たちつてと", "n": "なにぬねの",
		"h": "はひふへほ", "m": "まみむめも", "y": "や い ゆ え よ", "r": "らりるれろ",
		"g": "がぎぐげご", "z": "ざじずぜぞ", "d": "だぢづでど", "b": "ばびぶべぼ", "p": "ぱぴぷぺぽ",
		"l": "らりるれろ",
	}
	for c, kana := range rows {
		ks := []rune(strings.ReplaceAll(kana, " ", ""))
		if c == "y" {
			ks = []rune("やいゆえよ")
		}
		for i, v := range "aiueo" {
			if _, ok := m[c+string(v)]; !ok {
				m[c+string(v)] = string(ks[i])
			}
		}
	}
	small := map[string]string{"a": "ゃ", "u": "ゅ", "o": "ょ"}
	for c, i := range map[string]string{"k": "き", "g": "ぎ", "n": "に", "h": "ひ", "m": "み", "r": "り", "b": "び", "p": "ぴ", "s": "し", "z": "じ", "t": "ち", "j": "じ", "c": "ち", "d": "ぢ"} {
		for v, y := range small {
			if _, ok := m[c+"y"+v]; !ok {
				m[c+"y"+v] = i + y
			}
		}
	}
	return m
}()

// toKana reads a Latin word as romaji; it reports false when the word
// does not spell Japanese syllables throughout.
func toKana(w string) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(w); {
		c := w[i]
		// A doubled consonant is a small tsu: "kekka" → けっか, "matcha".
		if i+1 < len(w) && c != 'n' && !isVowel(c) && (w[i+1] == c || c == 't' && w[i+1] == 'c') {
			b.WriteString("っ")
			i++
			continue
		}
		// "nn" is ん; before a vowel the second n begins the next
		// syllable: "konnichiwa" → こんにちわ, "konn" → こん.
		if c == 'n' && i+1 < len(w) && w[i+1] == 'n' {
			b.WriteString("ん")
			if i+2 < len(w) && (isVowel(w[i+2]) || w[i+2] == 'y') {
				i++
			} else {
				i += 2
			}
			continue
		}
		// n before a consonant, or at the end, is ん.
		if c == 'n' && (i+1 == len(w) || !isVowel(w[i+1]) && w[i+1] != 'y' && w[i+1] != 'n') {
			b.WriteString("ん")
			i++
			continue
		}
		// "m" before b, m or p is ん in Hepburn: "shimbun".
		if c == 'm' && i+1 < len(w) && (w[i+1] == 'b' || w[i+1] == 'p') {
			b.WriteString("ん")
			i++
			continue
		}
		found := false
		for n := 3; n >= 1; n-- {
			if i+n > len(w) {
				continue
			}
			if k, ok := romajiTable[w[i:i+n]]; ok {
				b.WriteString(k)
				i += n
				found = true
				break
			}
		}
		if !found {
			return "", false
		}
	}
	return b.String(), b.Len() > 0
}

func isVowel(c byte) bool {
	return c == 'a' || c == 'i' || c == 'u' || c == 'e' || c == 'o'
}
