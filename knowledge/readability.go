package knowledge

import (
	"fmt"
	"unicode"
)

// MaxKanjiShare is the share of kanji among the letters and digits of an
// answer above which validate warns: elderly readers and readers new to
// the disease need kana between the words, and jargon explained.
const MaxKanjiShare = 0.45

// KanjiShare is the share of kanji among the letters and digits of text
// (0 when it has none).
func KanjiShare(text string) float64 {
	kanji, all := 0, 0
	for _, r := range text {
		switch {
		case unicode.Is(unicode.Han, r):
			kanji++
			all++
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			all++
		}
	}
	if all == 0 {
		return 0
	}
	return float64(kanji) / float64(all)
}

// Readability warns about each Japanese answer denser in kanji than
// MaxKanjiShare, at the line of its answer. d is the directory kb was
// loaded from, for lines.
func Readability(kb *KB, d Dir) []*Problem {
	lines := locateEntries(d)
	var out []*Problem
	for _, e := range kb.Entries {
		if share := KanjiShare(e.Answer.In(JA)); share > MaxKanjiShare {
			out = append(out, &Problem{Pos: lines.answerLine(e, JA, 0), Msg: fmt.Sprintf(
				"entry %q: the ja answer is %.0f %% kanji (more than %.0f %%): write more in kana, and explain terms such as 孤発性 or 第2相 at their first use",
				e.ID, 100*share, 100*MaxKanjiShare)})
		}
	}
	sortProblems(out)
	return out
}
