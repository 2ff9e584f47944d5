package bot

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"

	"alsbot/knowledge"
)

// BM25 parameters; the usual values, which rank our question set well.
const (
	bm25K1 = 1.2
	bm25B  = 0.75
)

// Field weights: a word in an entry's title or keywords says more about
// the entry than the same word in one of its many example questions.
const (
	weightTitle    = 2
	weightKeyword  = 2
	weightQuestion = 1
	weightReading  = 1
)

// index is an inverted index over the entries of a knowledge base, scored
// with BM25. One document per entry: its titles, example questions in both
// languages, keywords, readings and the synonym groups they mention.
type index struct {
	entries  []*knowledge.Entry
	lengths  []float64
	avgLen   float64
	postings map[string][]posting
	synonyms []synonymForm
	pool     sync.Pool // *scratch
}

type posting struct {
	doc int32
	tf  float32
}

// synonymForm is one normalized surface form of a synonym group; a text
// that contains it also carries the group's term.
type synonymForm struct {
	form  string
	latin bool // match whole words only: "cm" must not match inside "cmv"
	term  string
}

// scratch holds per-query accumulators, reused through a pool.
type scratch struct {
	score   []float64
	matched []float64
	touched []int32
}

// Match is a scored candidate entry for a question.
type Match struct {
	Entry *knowledge.Entry
	// Score is the BM25 score.
	Score float64
	// Coverage is the share of the question's weight (its words, by how
	// telling they are) that the entry matched: 1 when every word of the
	// question is known to the entry, low when the question is mostly
	// about something else.
	Coverage float64
}

func newIndex(kb *knowledge.KB) *index {
	ix := &index{entries: kb.Entries, postings: map[string][]posting{}}
	for g, group := range kb.Synonyms {
		term := "~" + strconv.Itoa(g)
		for _, f := range group.Forms {
			n := Normalize(f)
			if n == "" {
				continue
			}
			ix.synonyms = append(ix.synonyms, synonymForm{form: n, latin: isLatinText(n), term: term})
		}
	}
	total := 0.0
	for d, e := range kb.Entries {
		tf := map[string]float64{}
		add := func(w float64, texts ...string) {
			for _, t := range texts {
				for _, tok := range tokenize(t) {
					tf[tok.text] += w
				}
				for _, term := range ix.synonymTerms(Normalize(t), nil) {
					tf[term] += w
				}
			}
		}
		add(weightTitle, e.Title.JA, e.Title.EN)
		add(weightQuestion, e.Questions.All()...)
		add(weightKeyword, e.Keywords...)
		add(weightReading, e.Readings...)
		length := 0.0
		for term, f := range tf {
			ix.postings[term] = append(ix.postings[term], posting{doc: int32(d), tf: float32(f)})
			length += f
		}
		ix.lengths = append(ix.lengths, length)
		total += length
	}
	if n := len(kb.Entries); n > 0 {
		ix.avgLen = total / float64(n)
	}
	n := len(kb.Entries)
	ix.pool.New = func() any {
		return &scratch{score: make([]float64, n), matched: make([]float64, n)}
	}
	return ix
}

// synonymTerms appends the terms of the synonym groups whose forms occur
// in the normalized text.
func (ix *index) synonymTerms(norm string, dst []string) []string {
	for _, s := range ix.synonyms {
		if containsForm(norm, s.form, s.latin) && !contains(dst, s.term) {
			dst = append(dst, s.term)
		}
	}
	return dst
}

// containsForm reports whether norm contains form; Latin forms must stand
// as whole words.
func containsForm(norm, form string, latin bool) bool {
	if !latin {
		return strings.Contains(norm, form)
	}
	for from := 0; ; {
		i := strings.Index(norm[from:], form)
		if i < 0 {
			return false
		}
		i += from
		end := i + len(form)
		if (i == 0 || !isASCIIWord(norm[i-1])) && (end == len(norm) || !isASCIIWord(norm[end])) {
			return true
		}
		from = i + 1
	}
}

func isASCIIWord(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
}

func isLatinText(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// idf is the BM25 inverse document frequency of a term found in df
// entries; for df 0 it is the weight of a word the knowledge base has
// never seen.
func (ix *index) idf(df int) float64 {
	n := float64(len(ix.entries))
	return math.Log(1 + (n-float64(df)+0.5)/(float64(df)+0.5))
}

// query is a question turned into index terms.
type query struct {
	terms []string
	// weight is the total weight of the question's words: what a perfect
	// match would cover.
	weight float64
}

func (ix *index) parse(text string) query {
	var q query
	for _, tok := range tokenize(text) {
		if contains(q.terms, tok.text) {
			continue
		}
		df := len(ix.postings[tok.text])
		if df == 0 && tok.soft {
			continue // an unknown particle says nothing either way
		}
		q.terms = append(q.terms, tok.text)
		q.weight += ix.idf(df)
	}
	before := len(q.terms)
	q.terms = ix.synonymTerms(Normalize(text), q.terms)
	for _, t := range q.terms[before:] {
		q.weight += ix.idf(len(ix.postings[t]))
	}
	return q
}

// search returns up to k entries best matching the question, best first.
func (ix *index) search(q query, k int) []Match {
	if len(q.terms) == 0 || len(ix.entries) == 0 {
		return nil
	}
	s := ix.pool.Get().(*scratch)
	defer ix.pool.Put(s)
	for _, term := range q.terms {
		list := ix.postings[term]
		if len(list) == 0 {
			continue
		}
		idf := ix.idf(len(list))
		for _, p := range list {
			d := p.doc
			if s.score[d] == 0 {
				s.touched = append(s.touched, d)
			}
			tf := float64(p.tf)
			norm := bm25K1 * (1 - bm25B + bm25B*ix.lengths[d]/ix.avgLen)
			s.score[d] += idf * tf * (bm25K1 + 1) / (tf + norm)
			s.matched[d] += idf
		}
	}
	top := make([]Match, 0, k+1)
	for _, d := range s.touched {
		m := Match{Entry: ix.entries[d], Score: s.score[d], Coverage: s.matched[d] / q.weight}
		s.score[d], s.matched[d] = 0, 0
		if len(top) == k && m.Score <= top[k-1].Score {
			continue
		}
		i := sort.Search(len(top), func(i int) bool { return top[i].Score < m.Score })
		top = append(top, Match{})
		copy(top[i+1:], top[i:])
		top[i] = m
		if len(top) > k {
			top = top[:k]
		}
	}
	s.touched = s.touched[:0]
	return top
}
