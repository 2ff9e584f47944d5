package bot

import "unicode/utf8"

// kanjiFixer corrects one wrong kanji in a compound, the usual slip of a
// Japanese input method that offers homophones: 培養上生液 for 培養上清液,
// 治検 for 治験, 歯随 for 歯髄. A kanji is replaced only when the bigrams on
// both sides of it are unknown and one kanji makes both known ones.
type kanjiFixer struct {
	// after maps a kanji to the kanji that follow it in indexed bigrams,
	// and before to those that precede it, with how many entries have
	// the bigram.
	after, before map[rune]map[rune]int
	indexed       func(term string) int
}

func newKanjiFixer(ix *index) kanjiFixer {
	kf := kanjiFixer{after: map[rune]map[rune]int{}, before: map[rune]map[rune]int{}, indexed: ix.df}
	for term, id := range ix.terms {
		ps := ix.postings[id]
		a, n := utf8.DecodeRuneInString(term)
		b, m := utf8.DecodeRuneInString(term[n:])
		if n+m != len(term) || !isKanji(a) || !isKanji(b) {
			continue
		}
		if kf.after[a] == nil {
			kf.after[a] = map[rune]int{}
		}
		if kf.before[b] == nil {
			kf.before[b] = map[rune]int{}
		}
		kf.after[a][b] = len(ps)
		kf.before[b][a] = len(ps)
	}
	return kf
}

// fix returns raw with slipped kanji replaced, changing raw in place.
func (kf *kanjiFixer) fix(raw []rune) []rune {
	for i := 0; i < len(raw); {
		if !isKanji(raw[i]) {
			i++
			continue
		}
		j := i
		for j < len(raw) && isKanji(raw[j]) {
			j++
		}
		if j-i >= 3 {
			kf.fixRun(raw[i:j])
		}
		i = j
	}
	return raw
}

// fixRun fixes one run of three or more kanji. At either end of the run a
// kanji has one neighbour only; it is replaced when the bigram beyond is
// known, so that the rest of the compound vouches for the reading.
func (kf *kanjiFixer) fixRun(run []rune) {
	known := func(a, b rune) bool {
		var buf [8]byte
		return kf.indexed(string(utf8.AppendRune(utf8.AppendRune(buf[:0], a), b))) > 0
	}
	for k := range run {
		hasLeft, hasRight := k > 0, k+1 < len(run)
		if hasLeft && known(run[k-1], run[k]) || hasRight && known(run[k], run[k+1]) {
			continue
		}
		var best rune
		bestDF := 0
		switch {
		case hasLeft && hasRight:
			for c, df := range kf.after[run[k-1]] {
				if df2, ok := kf.before[run[k+1]][c]; ok && df+df2 > bestDF {
					best, bestDF = c, df+df2
				}
			}
		case hasRight && k+2 < len(run) && known(run[k+1], run[k+2]):
			if cs := kf.before[run[k+1]]; len(cs) == 1 {
				for c, df := range cs {
					best, bestDF = c, df
				}
			}
		case hasLeft && k >= 2 && known(run[k-2], run[k-1]):
			if cs := kf.after[run[k-1]]; len(cs) == 1 {
				for c, df := range cs {
					best, bestDF = c, df
				}
			}
		}
		if bestDF > 0 {
			run[k] = best
		}
	}
}
