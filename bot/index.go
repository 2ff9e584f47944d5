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
	fillers  []synonymForm

	questions []exampleQuestion
	qpostings map[string][]int32 // term → example questions that have it
	simWeight float64

	pool sync.Pool // *scratch
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
	score, soft, hard, sim []float64 // by entry
	touched                []int32
	qmatched               []float64 // by example question
	qtouched               []bool
	qlist                  []int32
}

// exampleQuestion is one example question (or title) of an entry, for the
// question-to-question similarity.
type exampleQuestion struct {
	doc    int32
	weight float64
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
	// Similarity is the weighted overlap (Jaccard) of the question with the
	// entry's closest example question or title, from 0 to 1.
	Similarity float64
}

func newIndex(kb *knowledge.KB, simWeight float64) *index {
	ix := &index{entries: kb.Entries, postings: map[string][]posting{}, qpostings: map[string][]int32{}, simWeight: simWeight}
	for _, f := range kb.Fillers {
		if n := Normalize(f); n != "" {
			ix.fillers = append(ix.fillers, synonymForm{form: n, latin: isLatinText(n)})
		}
	}
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
	ix.indexQuestions(kb)
	n, nq := len(kb.Entries), len(ix.questions)
	ix.pool.New = func() any {
		return &scratch{
			score: make([]float64, n), soft: make([]float64, n), hard: make([]float64, n), sim: make([]float64, n),
			qmatched: make([]float64, nq), qtouched: make([]bool, nq),
		}
	}
	return ix
}

// indexQuestions indexes each example question and title on its own, with
// the same term weights as a query, for the question-to-question similarity.
func (ix *index) indexQuestions(kb *knowledge.KB) {
	for d, e := range kb.Entries {
		texts := append([]string{e.Title.JA, e.Title.EN}, e.Questions.All()...)
		for _, text := range texts {
			q := ix.parse(text)
			if len(q.terms) == 0 {
				continue
			}
			qi := int32(len(ix.questions))
			ix.questions = append(ix.questions, exampleQuestion{doc: int32(d), weight: q.weight()})
			for _, t := range q.terms {
				ix.qpostings[t.text] = append(ix.qpostings[t.text], qi)
			}
		}
	}
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
	_, ok := indexForm(norm, form, latin)
	return ok
}

// indexForm returns where form first occurs in norm; Latin forms must
// stand as whole words.
func indexForm(norm, form string, latin bool) (int, bool) {
	for from := 0; ; {
		i := strings.Index(norm[from:], form)
		if i < 0 {
			return 0, false
		}
		i += from
		end := i + len(form)
		if !latin || (i == 0 || !isASCIIWord(norm[i-1])) && (end == len(norm) || !isASCIIWord(norm[end])) {
			return i, true
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

// softWeight scales Japanese tokens with hiragana in them (particles,
// endings, word boundaries): they help rank but say little about topic.
const softWeight = 0.4

// query is a question turned into index terms.
type query struct {
	terms []qterm
	// hard and soft are the total weights of the question's terms that are
	// and are not soft. A good match covers most of the hard weight; soft
	// terms only help, except in a question written in kana alone.
	hard, soft float64
}

// weight is the weight of a perfect match, for the similarity.
func (q *query) weight() float64 { return q.hard + q.soft }

type qterm struct {
	text string
	idf  float64 // already scaled for soft terms
	soft bool
}

func (ix *index) parse(text string) query {
	var q query
	raw, folded := ix.normalizeQuery(text)
	for _, tok := range tokenizeNormalized(raw) {
		if q.has(tok.text) {
			continue
		}
		df := len(ix.postings[tok.text])
		if df == 0 && tok.soft {
			continue // an unknown particle says nothing either way
		}
		t := qterm{text: tok.text, idf: ix.idf(df), soft: tok.soft}
		if t.soft {
			t.idf *= softWeight
			q.soft += t.idf
		} else {
			q.hard += t.idf
		}
		q.terms = append(q.terms, t)
	}
	for _, term := range ix.synonymTerms(folded, nil) {
		t := qterm{text: term, idf: ix.idf(len(ix.postings[term]))}
		q.terms = append(q.terms, t)
		q.hard += t.idf
	}
	return q
}

// normalizeQuery normalizes text twice over, with katakana kept (for the
// tokenizer, which tells katakana words from hiragana particles) and folded
// to hiragana (for synonyms), and blanks out the fillers in both. Folding
// keeps byte offsets: katakana and hiragana letters are both three bytes.
func (ix *index) normalizeQuery(text string) (raw, folded string) {
	rb := []byte(string(appendNormalized(nil, text, false)))
	fb := []byte(string(foldKana([]rune(string(rb)))))
	for _, f := range ix.fillers {
		for from := 0; from < len(fb); {
			i, ok := indexForm(string(fb[from:]), f.form, f.latin)
			if !ok {
				break
			}
			i += from
			for k := i; k < i+len(f.form); k++ {
				rb[k], fb[k] = ' ', ' '
			}
			from = i + len(f.form)
		}
	}
	return string(rb), string(fb)
}

func foldKana(rs []rune) []rune {
	for i, r := range rs {
		rs[i] = toHiragana(r)
	}
	return rs
}

// coverage is the share of the question an entry matched, given the
// weights of its hard and soft terms the entry has.
func (q *query) coverage(hard, soft float64) float64 {
	if q.hard == 0 {
		return soft / q.soft // a question in kana alone
	}
	if hard == 0 {
		return 0 // matched on particles alone
	}
	return (hard + soft) / (q.hard + soft)
}

func (q *query) has(term string) bool {
	for _, t := range q.terms {
		if t.text == term {
			return true
		}
	}
	return false
}

// search returns up to k entries best matching the question, best first.
func (ix *index) search(q query, k int) []Match {
	if len(q.terms) == 0 || len(ix.entries) == 0 {
		return nil
	}
	s := ix.pool.Get().(*scratch)
	defer ix.pool.Put(s)
	for _, t := range q.terms {
		for _, p := range ix.postings[t.text] {
			d := p.doc
			if s.score[d] == 0 {
				s.touched = append(s.touched, d)
			}
			tf := float64(p.tf)
			norm := bm25K1 * (1 - bm25B + bm25B*ix.lengths[d]/ix.avgLen)
			s.score[d] += t.idf * tf * (bm25K1 + 1) / (tf + norm)
			if t.soft {
				s.soft[d] += t.idf
			} else {
				s.hard[d] += t.idf
			}
		}
		for _, qi := range ix.qpostings[t.text] {
			s.qmatched[qi] += t.idf
			if !s.qtouched[qi] {
				s.qtouched[qi] = true
				s.qlist = append(s.qlist, qi)
			}
		}
	}
	// The closest example question of each entry: a question that is
	// nearly one the maintainers wrote is a strong sign.
	for _, qi := range s.qlist {
		m := s.qmatched[qi]
		j := m / (q.weight() + ix.questions[qi].weight - m)
		if d := ix.questions[qi].doc; j > s.sim[d] {
			s.sim[d] = j
		}
		s.qmatched[qi], s.qtouched[qi] = 0, false
	}
	s.qlist = s.qlist[:0]
	top := make([]Match, 0, k+1)
	for _, d := range s.touched {
		m := Match{
			Entry:      ix.entries[d],
			Score:      s.score[d] * (1 + ix.simWeight*s.sim[d]),
			Coverage:   q.coverage(s.hard[d], s.soft[d]),
			Similarity: s.sim[d],
		}
		s.score[d], s.soft[d], s.hard[d], s.sim[d] = 0, 0, 0, 0
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
