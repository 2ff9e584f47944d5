package gaps

import (
	"math"
	"sort"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"alsbot/bot"
)

// Searcher ranks entries for a text; *bot.Bot is one.
type Searcher interface {
	Search(text string, k int) []bot.Match
}

// DefaultSimilarity is the least weighted token overlap at which two
// questions are taken to ask the same thing.
const DefaultSimilarity = 0.4

// Group is a set of recorded questions that ask about the same thing.
type Group struct {
	// Misses are the group's questions, oldest first.
	Misses []Miss
	// Example is the question closest to the others: the one to read.
	Example string
	// Closest is the entry the group's questions came closest to (the
	// one ranked first most often), "" when nothing matched at all, and
	// Coverage how much of the questions it covered on average (0–1).
	Closest  string
	Coverage float64
	// Kinds counts the replies by kind (fallback, clarify) and Langs the
	// questions by language.
	Kinds map[string]int
	Langs map[string]int
	// Users is the number of different (pseudonymous) users who asked.
	Users int
	// Last is when the latest question was asked.
	Last time.Time
}

// Count is the number of questions in the group.
func (g *Group) Count() int { return len(g.Misses) }

// GroupMisses groups ms by similarity: a question joins the group holding
// its most similar question, when their token overlap (a Jaccard overlap
// of words and kanji and katakana runs, each weighted by how rare it is
// among ms) is at least minSimilarity (0 means DefaultSimilarity);
// otherwise it starts a group.
// Groups come largest first (then the most recent first), each with the
// entry s ranks first for most of its questions. s may be nil.
func GroupMisses(ms []Miss, s Searcher, minSimilarity float64) []*Group {
	if minSimilarity <= 0 {
		minSimilarity = DefaultSimilarity
	}
	type member struct {
		miss   Miss
		tokens map[string]bool
	}
	type cluster struct {
		members []member
	}
	toks := make([]map[string]bool, len(ms))
	df := map[string]int{}
	for i, m := range ms {
		toks[i] = tokens(m.Question)
		for t := range toks[i] {
			df[t]++
		}
	}
	idf := make(map[string]float64, len(df))
	for t, n := range df {
		idf[t] = math.Log(1 + float64(len(ms))/float64(n))
	}
	var clusters []*cluster
	for i, m := range ms {
		tok := toks[i]
		var best *cluster
		bestSim := 0.0
		for _, c := range clusters {
			for _, o := range c.members {
				if sim := similarity(tok, o.tokens, idf); sim > bestSim {
					best, bestSim = c, sim
				}
			}
		}
		if best != nil && bestSim >= minSimilarity {
			best.members = append(best.members, member{m, tok})
			continue
		}
		clusters = append(clusters, &cluster{members: []member{{m, tok}}})
	}
	out := make([]*Group, 0, len(clusters))
	for _, c := range clusters {
		g := &Group{Kinds: map[string]int{}, Langs: map[string]int{}}
		users := map[string]bool{}
		bestSum := -1.0
		for i, a := range c.members {
			g.Misses = append(g.Misses, a.miss)
			g.Kinds[a.miss.Kind]++
			g.Langs[a.miss.Lang]++
			if a.miss.User != "" {
				users[a.miss.User] = true
			}
			if a.miss.Time.After(g.Last) {
				g.Last = a.miss.Time
			}
			sum := 0.0
			for j, b := range c.members {
				if i != j {
					sum += similarity(a.tokens, b.tokens, idf)
				}
			}
			if sum > bestSum {
				bestSum, g.Example = sum, a.miss.Question
			}
		}
		g.Users = len(users)
		if s != nil {
			g.Closest, g.Coverage = closest(s, g.Misses)
		}
		out = append(out, g)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Count() != out[j].Count() {
			return out[i].Count() > out[j].Count()
		}
		return out[i].Last.After(out[j].Last)
	})
	return out
}

// closest returns the entry ranked first for most of ms, and its mean
// coverage over the questions it was first for.
func closest(s Searcher, ms []Miss) (string, float64) {
	votes := map[string]int{}
	cover := map[string]float64{}
	for _, m := range ms {
		if r := s.Search(m.Question, 1); len(r) > 0 {
			votes[r[0].Entry.ID]++
			cover[r[0].Entry.ID] += r[0].Coverage
		}
	}
	best := ""
	for id, n := range votes {
		if best == "" || n > votes[best] || n == votes[best] && id < best {
			best = id
		}
	}
	if best == "" {
		return "", 0
	}
	return best, cover[best] / float64(votes[best])
}

// tokens are what a question is about: its Latin words (stop words
// aside), its katakana words, and its kanji runs with their character
// pairs;
// hiragana runs, mostly particles and endings, are left out unless the
// question is written in hiragana alone. (bot.Normalize folds katakana
// into hiragana, which would hide that line, so the text is only NFKC
// folded and lower-cased here.)
func tokens(q string) map[string]bool {
	out := map[string]bool{}
	var kana []string
	var run []rune
	script := 0
	flush := func() {
		if len(run) == 0 {
			return
		}
		w := string(run)
		switch script {
		case scriptLatin:
			if !stopwords[w] {
				out[w] = true
			}
		case scriptKatakana:
			out[w] = true
		case scriptKanji:
			// a compound and its pairs: 治療費 shares 治療 with 治療法
			out[w] = true
			if len(run) > 2 {
				for i := 0; i+2 <= len(run); i++ {
					out[string(run[i:i+2])] = true
				}
			}
		case scriptHiragana:
			kana = append(kana, w)
		}
		run = run[:0]
	}
	for _, r := range strings.ToLower(norm.NFKC.String(q)) {
		sc := scriptOf(r)
		if sc != script || sc == 0 {
			flush()
			script = sc
		}
		if sc != 0 {
			run = append(run, r)
		}
	}
	flush()
	if len(out) == 0 {
		for _, w := range kana {
			rs := []rune(w)
			if len(rs) == 1 {
				out[w] = true
			}
			for i := 0; i+1 < len(rs); i++ {
				out[string(rs[i:i+2])] = true
			}
		}
	}
	return out
}

const (
	scriptLatin = iota + 1
	scriptKanji
	scriptKatakana
	scriptHiragana
)

func scriptOf(r rune) int {
	switch {
	case r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
		return scriptLatin
	case unicode.Is(unicode.Han, r) || r == '々':
		return scriptKanji
	case unicode.Is(unicode.Katakana, r) || r == 'ー':
		return scriptKatakana
	case unicode.Is(unicode.Hiragana, r):
		return scriptHiragana
	case unicode.IsLetter(r) || unicode.IsDigit(r):
		return scriptLatin
	}
	return 0
}

// stopwords are English words that say nothing about the topic.
var stopwords = map[string]bool{
	"a": true, "an": true, "the": true, "is": true, "are": true, "was": true, "were": true, "be": true, "what": true,
	"how": true, "do": true, "does": true, "did": true, "of": true, "to": true, "in": true, "for": true, "and": true,
	"or": true, "i": true, "my": true, "me": true, "can": true, "it": true, "this": true, "that": true, "with": true,
	"on": true, "about": true, "there": true, "any": true, "you": true, "your": true, "much": true, "which": true,
}

// similarity is the weighted overlap of two token sets: each token weighs
// by how rare it is among the questions being grouped (idf), so that words
// nearly every question shares (ALS, ミューズ) do not glue them together.
func similarity(a, b map[string]bool, idf map[string]float64) float64 {
	inter, union := 0.0, 0.0
	for t := range a {
		w := idf[t]
		union += w
		if b[t] {
			inter += w
		}
	}
	for t := range b {
		if !a[t] {
			union += idf[t]
		}
	}
	if union == 0 {
		return 0
	}
	return inter / union
}
