package bot

import (
	"regexp"
	"slices"
	"strings"
	"unicode"

	"alsbot/knowledge"
)

// vocabulary is every text of the knowledge base (entries' questions,
// keywords, readings, titles and answers, and the synonyms), normalized,
// one per line: what the bot knows the words of. folded has katakana
// folded to hiragana, as messages are read; written keeps katakana as
// written, so that a katakana name is looked up as a name (ハーブ is not
// found in the は and ぶ of other words).
type vocabulary struct{ folded, written string }

func newVocabulary(kb *knowledge.KB) vocabulary {
	var folded, written strings.Builder
	add := func(s string) {
		n := appendNormalized(nil, s, false)
		written.WriteString(string(n))
		written.WriteByte('\n')
		folded.WriteString(string(foldKana(n)))
		folded.WriteByte('\n')
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
	return vocabulary{folded: folded.String(), written: written.String()}
}

// knows reports whether a normalized, folded word is in the vocabulary.
func (v vocabulary) knows(word string) bool { return strings.Contains(v.folded, word) }

// knowsName reports whether a word as written (kanji, katakana, Latin) is
// in the vocabulary: katakana is looked up as katakana.
func (v vocabulary) knowsName(word string) bool {
	n := appendNormalized(nil, word, false)
	if slices.ContainsFunc(n, isKatakana) {
		return strings.Contains(v.written, string(n))
	}
	return v.knows(string(foldKana(n)))
}

// knowsWord reports whether a Latin word is in the vocabulary as a word
// of its own, or the start of one ("cells" for "cell"), not inside another
// ("cbd" is not in "abcd").
func (v vocabulary) knowsWord(word string) bool {
	s := v.folded
	for off := 0; ; {
		i := strings.Index(s[off:], word)
		if i < 0 {
			return false
		}
		i += off
		if i == 0 || !isLatinLetter(s[i-1]) {
			return true
		}
		off = i + 1
	}
}

func isLatinLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }

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
			if len([]rune(word)) < 2 || strings.ContainsAny(word, "何人") {
				// Not a condition but people, or a question: 「5人中
				// 何人に効果あったの？」.
				continue
			}
			if !b.vocab.knows(string(foldKana(appendNormalized(nil, word, false)))) {
				return true
			}
		}
	}
	return false
}

// anotherDisease reports whether the message names a disease no entry
// speaks of, as written, and the reader did not mend that name into one
// the entries know: 「筋委縮性側策硬化症」 is read as ALS's name and "lou
// gerhig" as Gehrig, but 「多系統萎縮症」, read as 「多系統萎縮性」, is still
// unknown, and "pompe" read as kana is no mend.
func (b *Bot) anotherDisease(m message) bool {
	if !b.unknownDisease(m.norm) {
		return false
	}
	read := string(m.read)
	if b.unknownDisease(read) {
		return true
	}
	for _, w := range wordRuns(read) {
		if strings.Contains(m.norm, w) {
			continue
		}
		if isLatinLetter(w[0]) && b.vocab.knowsWord(w) || isKanji([]rune(w)[0]) && b.knowsAnEnding([]rune(w)) {
			return false
		}
	}
	return true
}

// wordRuns splits s into its runs of kanji and its runs of Latin letters
// and digits.
func wordRuns(s string) []string {
	var runs []string
	start, kind := -1, 0
	for i, r := range s + " " {
		k := 0
		switch {
		case r < 0x80 && isLatinLetter(byte(r)):
			k = 1
		case isKanji(r):
			k = 2
		}
		if k != kind {
			if kind != 0 {
				runs = append(runs, s[start:i])
			}
			start, kind = i, k
		}
	}
	return runs
}

// unknownDisease reports whether the message names a disease that no entry speaks
// of: a kanji word ending in 症, 病 or 症候群 (「脊髄小脳変性症の新しい治療
// ある？」), or an English word before disease, syndrome, atrophy and the
// like when ALS is not named ("treatment for Kennedy's disease?"). A word
// is known when it, or an ending of it of four letters or more, is in the
// vocabulary: 「筋委縮性側索硬化症」, with a slip, still ends in ALS's name.
// The other uses of the sources' drugs (白血病) are known too: whether
// the question is about ALS decides those.
func (b *Bot) unknownDisease(norm string) bool {
	for _, run := range wordRuns(norm) {
		if w := []rune(run); isKanji(w[0]) && len(w) >= 3 && namesADisease(run) && !b.knowsAnEnding(w) && !b.otherUse.any(run) {
			return true
		}
	}
	if strings.Contains(norm, "als") || strings.Contains(norm, "mnd") || strings.Contains(norm, "gehrig") {
		return false
	}
	for _, m := range diseaseEN.FindAllStringSubmatch(norm, -1) {
		// "hawking's disease", or "hawkings disease" as normalized.
		if w := strings.TrimSuffix(strings.TrimSuffix(m[1], "s"), "'"); !b.vocab.knowsWord(w) && !slices.Contains(notADiseaseEN, w) {
			return true
		}
	}
	return false
}

// knowsAnEnding reports whether the vocabulary knows the kanji word, or
// an ending of it of four letters or more.
func (b *Bot) knowsAnEnding(w []rune) bool {
	for i := 0; i == 0 || len(w)-i >= 4; i++ {
		if b.vocab.knows(string(w[i:])) {
			return true
		}
	}
	return false
}

// namesADisease reports whether a kanji word ends as the name of a
// disease does, and is not one of the words of illness in general (発症,
// 闘病, 後遺症…) that an asker uses of ALS itself.
func namesADisease(w string) bool {
	if !strings.HasSuffix(w, "症") && !strings.HasSuffix(w, "病") && !strings.HasSuffix(w, "症候群") {
		return false
	}
	for _, x := range illnessWords {
		if strings.HasSuffix(w, x) {
			return false
		}
	}
	return true
}

// illnessWords end in 症 or 病 but name no disease.
var illnessWords = []string{"発症", "重症", "軽症", "後遺症", "合併症", "既往症", "併存症", "闘病", "看病", "持病", "発病", "重病", "大病", "難病", "仮病", "急病", "疾病", "同病", "罹病", "炎症"}

// diseaseEN finds the word before an English disease's kind.
var diseaseEN = regexp.MustCompile(`\b([a-z][a-z'-]{2,})\s+(?:disease|syndrome|dystrophy|atrophy|ataxia|palsy)\b`)

// notADiseaseEN are words before "disease" that name none of their own.
var notADiseaseEN = []string{"the", "this", "that", "his", "her", "their", "my", "rare", "other", "another", "same", "similar", "neurological", "neurodegenerative", "degenerative", "progressive", "terminal", "chronic", "fatal", "incurable", "serious", "nerve", "neuron", "neurone", "muscle", "related", "any", "some", "which", "what"}

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

// worksJA are the words of a Japanese question asking whether something
// works: 「ケトン食はALSに効きますか」.
var worksJA = []string{"効く", "効き", "効果", "効いた", "きく", "きき", "有効"}

// beforeWorks are what may stand between the thing asked about and the
// word that asks whether it works, trimmed from the end until the thing
// itself is reached: 「鍼とかお灸って(ALSに)(本当に)効果」.
var beforeWorks = []string{"って", "は", "が", "も", "とか", "なんか", "なんて", "本当に", "ほんとに", "ほんとうに", "実際", "じっさい", "に", "には", "にも", "als", " "}

// unknownRemedy reports whether the message asks whether something works
// that no entry speaks of ("ケトン食はALSに効きますか", "鍼とかお灸って
// ALSに効果ある？"): the sources cannot say, and an answer about ALS in
// general would not be an answer. The thing must be written in kanji,
// katakana or Latin letters, as most names of treatments are.
func (b *Bot) unknownRemedy(read []rune) (string, bool) {
	text := string(read)
	for _, w := range worksJA {
		for off := 0; ; {
			i := strings.Index(text[off:], w)
			if i < 0 {
				break
			}
			i += off
			off = i + len(w)
			lower := strings.ToLower(text[:i])
			before := trimAll(lower, beforeWorks)
			if before == lower {
				continue // no particle: 「効果」 of something else
			}
			word := wordBefore([]rune(before))
			if word == "" || len([]rune(word)) < 2 && !isKanji([]rune(word)[0]) {
				continue
			}
			if !b.vocab.knowsName(word) {
				if p := strings.TrimSuffix(before, word); strings.HasSuffix(p, "お") || strings.HasSuffix(p, "ご") {
					word = p[len(p)-len("お"):] + word // 「お灸」, as it was asked
				}
				return word, true
			}
		}
	}
	for _, m := range slowsJA.FindAllStringSubmatch(strings.ToLower(text), -1) {
		// 「ケトン食でALSの進行は遅くなる？」: asked by what it would do.
		if w := m[1]; (len([]rune(w)) >= 2 || isKanji([]rune(w)[0])) && !b.vocab.knowsName(w) && !slices.ContainsFunc(meansJA, func(x string) bool { return strings.HasSuffix(w, x) }) {
			return w, true
		}
	}
	return "", false
}

// meansJA are what a disease may be slowed or mended by that names no
// remedy of its own: 「今の医学で治せる？」 asks whether ALS is curable.
var meansJA = []string{"医学", "医療", "科学", "技術", "研究", "治療", "手術", "病院", "日本", "海外", "世界", "今", "現在", "将来", "方法", "何か", "なにか", "何"}

// slowsJA finds a Japanese question asking whether something slows,
// stops or mends the disease: the thing, then で, then what it would do.
var slowsJA = regexp.MustCompile(`([\p{Han}\p{Katakana}ーa-z0-9]+)で(?:als|えーえるえす)?の?(?:進行|しんこう|症状|しょうじょう|筋力|きんりょく|病気|びょうき)?(?:が|は|を|も)?(?:遅く|おそく|遅ら|おくら|ゆっくりに|緩やかに|ゆるやかに|止ま|とま|止め|とめ|良くな|よくな|改善|かいぜん|治る|治ら|治せ|治り|なおる|なおら|なおせ|回復|かいふく)`)

// worksEN finds an English question asking whether something works:
// "does acupuncture help with ALS?", "is CBD oil effective for ALS".
var worksEN = regexp.MustCompile(`\b(?:does|do|can|could|will|would|is|are|did)\s+(?:the\s+|a\s+|an\s+|taking\s+|using\s+|eating\s+|doing\s+)?([a-z][a-z0-9-]{2,})(\s+[a-z]+)?\s+(?:really\s+|actually\s+)?(?:work|works|help|helps|slow|slows|stop|stops|cure|cures|treat|treats|effective|good|benefit)\b`)

// worksWords are the words one of which worksEN needs.
var worksWords = []string{"work", "help", "slow", "stop", "cure", "treat", "effective", "good", "benefit"}

// unknownRemedyEN is unknownRemedy for English: the word the question
// asks about, after "does", "can", "is".
func (b *Bot) unknownRemedyEN(norm string) (string, bool) {
	if !strings.ContainsAny(norm, "abcdefghijklmnopqrstuvwxyz") || !containsAny(norm, worksWords) && !strings.Contains(norm, "for als") && !strings.Contains(norm, "against als") {
		return "", false // most messages: the expressions need not run
	}
	for _, m := range worksEN.FindAllStringSubmatch(norm, -1) {
		if !b.vocab.knowsWord(m[1]) {
			switch strings.TrimSpace(m[2]) {
			case "really", "actually", "even", "ever", "just":
				return m[1], true
			}
			return m[1] + m[2], true // "ozone therapy"
		}
	}
	for _, m := range forALSEN.FindAllStringSubmatch(norm, -1) {
		if !b.vocab.knowsWord(m[2]) && !notARemedy(m[2]) {
			if m[1] != "" && !b.vocab.knowsWord(m[1]) {
				return m[1] + " " + m[2], true // "hyperbaric oxygen"
			}
			return m[2], true
		}
	}
	return "", false
}

// notARemedy reports whether a word before "for ALS" names no remedy: a
// verb done ("explored for ALS") or a thing unnamed ("a thing for ALS").
func notARemedy(word string) bool {
	return strings.HasSuffix(word, "ed") || strings.HasSuffix(word, "thing") || strings.HasSuffix(word, "things")
}

// forALSEN finds what an English question names as a remedy for ALS, and
// the word before it: "hyperbaric oxygen for ALS, any good?".
var forALSEN = regexp.MustCompile(`\b(?:([a-z][a-z0-9-]{2,})\s+)?([a-z][a-z0-9-]{2,})\s+(?:for|against)\s+(?:als|mnd)\b`)

// trimAll trims any of the suffixes from the end of s until none is left.
func trimAll(s string, suffixes []string) string {
	for changed := true; changed; {
		changed = false
		for _, x := range suffixes {
			if strings.HasSuffix(s, x) {
				s = strings.TrimSuffix(s, x)
				changed = true
			}
		}
	}
	return s
}

// asWritten finds word, as read (long-vowel marks dropped, full-width made
// half-width), in the message as sent, and returns it as the asker wrote
// it: 「ハーブ」, not 「ハブ」. It returns word when it is not found.
func asWritten(text, word string) string {
	prefix := ""
	for _, p := range []string{"お", "ご"} {
		if w, ok := strings.CutPrefix(word, p); ok && w != "" {
			prefix, word = p, w
		}
	}
	rs := []rune(text)
	for start := 0; start < len(rs); {
		if !inName(rs[start]) {
			start++
			continue
		}
		end := start
		for end < len(rs) && inName(rs[end]) {
			end++
		}
		run := rs[start:end]
		if len(run) > 64 {
			run = run[len(run)-64:] // a name is short; bound the work
		}
		for i := range run {
			if string(appendNormalized(nil, string(run[i:]), false)) == word {
				return prefix + string(run[i:])
			}
		}
		start = end
	}
	return prefix + word
}

// inName reports whether r may be part of a name written in kanji,
// katakana (with its long-vowel mark) or Latin letters.
func inName(r rune) bool {
	return isKanji(r) || isKatakana(r) || r == 'ー' || r == 'ｰ' || unicode.IsLetter(r) && !isHiragana(r) || unicode.IsDigit(r)
}
