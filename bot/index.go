package bot

import (
	"math"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

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
	entries []*knowledge.Entry
	lengths []float64
	avgLen  float64
	// terms numbers the indexed terms; postings and qpostings are by
	// term number.
	terms    map[string]int32
	postings [][]posting
	idfs     []float64 // by document frequency
	// phrases are the synonym forms (id: the synonym group) and the
	// fillers (id: fillerID), found in one pass over a text.
	phrases  phraseSet
	synTerms []string        // by synonym group: its index term
	synWords map[string]bool // one-word Latin synonym forms ("alsfrsr")
	// strangers are the Japanese synonym forms (folded) with a token no
	// entry has (歯随, 静脈投与): in a question they count through their
	// synonym group alone, as their own letters would only count against
	// it.
	strangers map[string]bool
	spell     speller
	kanji     kanjiFixer

	questions []exampleQuestion
	qpostings [][]int32 // by term: the example questions that have it
	simWeight float64

	pool sync.Pool // *scratch
}

type posting struct {
	doc int32
	tf  float32
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
	// Known is the coverage of the words some entry has: the words no
	// entry knows do not count against it.
	Known float64
	// Similarity is the weighted overlap (Jaccard) of the question with the
	// entry's closest example question or title, from 0 to 1.
	Similarity float64
	// Matched is the weight of the question's telling words (not
	// particles) the entry has: how much evidence there is, whatever else
	// the question says.
	Matched float64
}

// exampleTerm is a term of an example question or title, as read at load
// time: its number, and whether it is soft.
type exampleTerm struct {
	id   int32
	soft bool
}

func newIndex(kb *knowledge.KB, simWeight float64) *index {
	ix := &index{entries: kb.Entries, simWeight: simWeight, synWords: map[string]bool{}}
	for _, f := range kb.Fillers {
		ix.phrases.add(Normalize(f), fillerID, false)
	}
	for g, group := range kb.Synonyms {
		ix.synTerms = append(ix.synTerms, "~"+strconv.Itoa(g))
		for _, f := range group.Forms {
			n := Normalize(f)
			ix.phrases.add(n, g, false)
			if isLatinWord(n) {
				ix.synWords[n] = true
			}
		}
	}
	docs, terms := ix.entryDocs(kb.Entries)
	ix.terms = terms
	df := make([]int32, len(terms))
	for _, doc := range docs {
		for _, t := range doc.terms {
			df[t.id]++
		}
	}
	ix.postings = listsOf[posting](df)
	total := 0.0
	for d, doc := range docs {
		length := 0.0
		for _, t := range doc.terms {
			ix.postings[t.id] = append(ix.postings[t.id], posting{doc: int32(d), tf: float32(t.tf)})
			length += t.tf
		}
		ix.lengths = append(ix.lengths, length)
		total += length
	}
	if n := len(kb.Entries); n > 0 {
		ix.avgLen = total / float64(n)
	}
	ix.idfs = make([]float64, len(kb.Entries)+1)
	for df := range ix.idfs {
		n := float64(len(kb.Entries))
		ix.idfs[df] = math.Log(1 + (n-float64(df)+0.5)/(float64(df)+0.5))
	}
	ix.strangers = ix.strangerForms(kb.Synonyms)
	// The spelling and kanji tables only read the postings: they are
	// built while the example questions are indexed.
	var wg sync.WaitGroup
	wg.Go(func() { ix.spell = newSpeller(ix, kb.Fillers) })
	wg.Go(func() { ix.kanji = newKanjiFixer(ix) })
	defer wg.Wait()
	ix.indexQuestions(docs)
	n, nq := len(kb.Entries), len(ix.questions)
	ix.pool.New = func() any {
		return &scratch{
			score: make([]float64, n), soft: make([]float64, n), hard: make([]float64, n), sim: make([]float64, n),
			qmatched: make([]float64, nq), qtouched: make([]bool, nq),
		}
	}
	return ix
}

// indexQuestions indexes the example questions and titles of the entries
// for the question-to-question similarity: each with its weight as a
// question would have it, and listed under each of its terms.
func (ix *index) indexQuestions(docs []entryDoc) {
	count := make([]int32, len(ix.postings))
	// The distinct terms of every example question, one after another.
	var distinct, ends []int32
	var q query
	for d, doc := range docs {
		start := int32(0)
		for _, end := range doc.ends {
			ix.exampleInto(&q, doc.examples[start:end])
			start = end
			if len(q.terms) == 0 {
				continue
			}
			for _, t := range q.terms {
				distinct = append(distinct, t.id)
				count[t.id]++
			}
			ends = append(ends, int32(len(distinct)))
			ix.questions = append(ix.questions, exampleQuestion{doc: int32(d), weight: q.weight()})
		}
	}
	ix.qpostings = listsOf[int32](count)
	start := int32(0)
	for qi, end := range ends {
		for _, id := range distinct[start:end] {
			ix.qpostings[id] = append(ix.qpostings[id], int32(qi))
		}
		start = end
	}
}

// listsOf returns empty lists with room for sizes[i] items each, all cut
// from one array.
func listsOf[T any](sizes []int32) [][]T {
	total := 0
	for _, n := range sizes {
		total += int(n)
	}
	all := make([]T, total)
	lists := make([][]T, len(sizes))
	for i, n := range sizes {
		lists[i], all = all[:0:n], all[n:]
	}
	return lists
}

// exampleInto is queryInto for an example question, whose terms are
// numbered already and all indexed. The query's terms have no text.
func (ix *index) exampleInto(q *query, terms []exampleTerm) {
	*q = query{terms: q.terms[:0]}
	for _, t := range terms {
		if !q.hasID(t.id) {
			q.add(qterm{id: t.id, soft: t.soft}, ix.idf(len(ix.postings[t.id])))
		}
	}
}

// strangerForms returns the Japanese synonym forms, normalized and
// folded, that have a token no entry has.
func (ix *index) strangerForms(groups []knowledge.SynonymGroup) map[string]bool {
	out := map[string]bool{}
	for _, g := range groups {
		for _, f := range g.Forms {
			n := Normalize(f)
			if n == "" || isLatinText(n) {
				continue
			}
			for _, t := range tokenizeRunes([]rune(n), nil) {
				if ix.df(t.text) == 0 {
					out[n] = true
					break
				}
			}
		}
	}
	return out
}

// entryDoc is an entry as the index reads it: the weighted terms of all
// its texts, and the terms of each example question and title on its own.
type entryDoc struct {
	terms []termFreq
	// examples are the terms of the entry's example questions and
	// titles, each's tokens then synonym groups, one question after
	// another; ends marks where each question ends.
	examples []exampleTerm
	ends     []int32
}

type termFreq struct {
	id int32 // the term's number
	tf float64
}

// entryDocs reads every entry, spreading the work over the processors:
// normalizing and tokenizing the example questions is most of the time a
// load takes. It returns the entries' documents and the numbers of their
// terms.
func (ix *index) entryDocs(entries []*knowledge.Entry) ([]entryDoc, map[string]int32) {
	out := make([]entryDoc, len(entries))
	workers := min(runtime.GOMAXPROCS(0), len(entries))
	// The workers take the entries with the most texts first, so that
	// none is left to the end while the others wait.
	order := make([]int, len(entries))
	for d := range order {
		order[d] = d
	}
	texts := func(e *knowledge.Entry) int {
		return len(e.Questions.JA) + len(e.Questions.EN) + len(e.Keywords) + len(e.Readings)
	}
	slices.SortStableFunc(order, func(a, b int) int { return texts(entries[b]) - texts(entries[a]) })
	var taken atomic.Int64
	next := func() (int, bool) {
		k := int(taken.Add(1)) - 1
		if k >= len(order) {
			return 0, false
		}
		return order[k], true
	}
	// Each worker numbers the terms it meets on its own; the numbers
	// are made common once all are done.
	local := make([][]string, workers) // by worker: its terms, by its number
	readBy := make([]int, len(entries))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			local[w] = ix.readEntries(entries, next, out, func(d int) { readBy[d] = w })
		})
	}
	wg.Wait()
	// The common numbers go in the order the entries and their terms
	// come, whichever worker read them, so that they are the same at
	// every load.
	terms := make(map[string]int32, 4096)
	common := make([][]int32, workers) // by worker: its number → the common one
	for w := range common {
		common[w] = make([]int32, len(local[w]))
		for lid := range common[w] {
			common[w][lid] = noTerm
		}
	}
	number := func(w int, lid int32) int32 {
		if id := common[w][lid]; id != noTerm {
			return id
		}
		text := local[w][lid]
		id, ok := terms[text]
		if !ok {
			id = int32(len(terms))
			terms[text] = id
		}
		common[w][lid] = id
		return id
	}
	for d := range out {
		w := readBy[d]
		for k, t := range out[d].terms {
			out[d].terms[k].id = number(w, t.id)
		}
		for k, t := range out[d].examples {
			out[d].examples[k].id = number(w, t.id)
		}
	}
	return out, terms
}

// readEntries reads the entries that next gives it into out, telling read
// which, and numbering their terms from 0 in the order met; it returns the
// terms by number.
func (ix *index) readEntries(entries []*knowledge.Entry, next func() (int, bool), out []entryDoc, read func(d int)) []string {
	var (
		tt      = newTermTable()
		tf      []float64 // by term number, for the entry being read
		touched []int32
		buf     []rune
		toks    []token
	)
	for d, ok := next(); ok; d, ok = next() {
		read(d)
		e := entries[d]
		var doc entryDoc
		add := func(weight float64, question bool, texts []string) {
			for _, t := range texts {
				raw, syn := ix.prepare(appendNormalized(buf[:0], t, false))
				buf = raw[:0]
				toks = appendTokens(toks[:0], raw, tt)
				count := func(n int32, soft bool) {
					if int(n) >= len(tf) {
						tf = append(tf, make([]float64, len(tt.terms)-len(tf))...)
					}
					if tf[n] == 0 {
						touched = append(touched, n)
					}
					tf[n] += weight
					if question {
						doc.examples = append(doc.examples, exampleTerm{id: n, soft: soft})
					}
				}
				for _, tok := range toks {
					count(tok.id, tok.soft)
				}
				for _, term := range syn {
					_, n := tt.numberString(term)
					count(n, false)
				}
				if question {
					doc.ends = append(doc.ends, int32(len(doc.examples)))
				}
			}
		}
		add(weightTitle, true, []string{e.Title.JA, e.Title.EN})
		add(weightQuestion, true, e.Questions.JA)
		add(weightQuestion, true, e.Questions.EN)
		add(weightKeyword, false, e.Keywords)
		add(weightReading, false, e.Readings)
		doc.terms = make([]termFreq, len(touched))
		for k, n := range touched {
			doc.terms[k] = termFreq{id: n, tf: tf[n]}
			tf[n] = 0
		}
		touched = touched[:0]
		out[d] = doc
	}
	return tt.terms
}

func isHiraganaText(s string) bool {
	for _, r := range s {
		if !isHiragana(r) {
			return false
		}
	}
	return s != ""
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

// idf is the BM25 inverse document frequency of a term found in df
// entries; for df 0 it is the weight of a word the knowledge base has
// never seen.
func (ix *index) idf(df int) float64 { return ix.idfs[df] }

// noTerm is the number of a term no entry has.
const noTerm = -1

// term returns the number of an indexed term and the number of entries
// that have it, or noTerm and 0.
func (ix *index) term(text string) (id int32, df int) {
	id, ok := ix.terms[text]
	if !ok {
		return noTerm, 0
	}
	return id, len(ix.postings[id])
}

// df is the number of entries that have a term.
func (ix *index) df(text string) int {
	_, df := ix.term(text)
	return df
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
	// unknown is the part of hard that no entry has.
	unknown float64
}

// weight is the weight of a perfect match, for the similarity.
func (q *query) weight() float64 { return q.hard + q.soft }

type qterm struct {
	text string
	id   int32   // the term's number, or noTerm
	idf  float64 // already scaled for soft terms
	soft bool
}

// parse turns a user's question into index terms: normalized, with
// misspelt English words corrected and romaji read as kana, and fillers
// blanked out.
func (ix *index) parse(text string) query {
	read, _ := ix.read(appendNormalized(nil, text, false))
	return ix.parseRead(read)
}

// read returns the normalized text as the bot reads it: English typos
// corrected, romaji read as kana, slipped kanji fixed, and a message typed
// in katakana throughout read as kana. It reports whether romaji was read.
// raw itself is left as it is.
func (ix *index) read(raw []rune) ([]rune, bool) {
	read, romaji := ix.spell.rewrite(slices.Clone(raw))
	read = ix.kanji.fix(read)
	if onlyKatakana(read) {
		read = foldKana(read)
	}
	return read, romaji
}

// parseRead turns a text as read into index terms, fillers blanked out.
func (ix *index) parseRead(read []rune) query {
	r, syn := ix.prepare(slices.Clone(read))
	return ix.query(tokenizeRunes(r, nil), syn)
}

// onlyKatakana reports whether the Japanese of a text is all katakana,
// with at least two katakana words, so that a katakana name alone
// ("ミューズ") is still read as a name.
func onlyKatakana(rs []rune) bool {
	words := 0
	for i, r := range rs {
		if isHiragana(r) || isKanji(r) {
			return false
		}
		if isKatakana(r) && (i == 0 || !isKatakana(rs[i-1])) {
			words++
		}
	}
	return words >= 2
}

// query weighs tokens and synonym terms by how telling they are.
func (ix *index) query(toks []token, syn []string) query {
	q := query{terms: make([]qterm, 0, len(toks)+len(syn))}
	ix.queryInto(&q, toks, syn)
	return q
}

// queryInto is query into q, reusing its memory.
func (ix *index) queryInto(q *query, toks []token, syn []string) {
	*q = query{terms: q.terms[:0]}
	unknownSoft := 0.0
	for _, tok := range toks {
		if q.has(tok.text) {
			continue
		}
		id, df := ix.term(tok.text)
		if df == 0 && (tok.soft || ix.synWords[tok.text]) {
			// An unknown particle says nothing either way; a
			// synonym ("alsfrsr") counts through its group's term.
			if tok.soft {
				unknownSoft += ix.idf(0) * softWeight
			}
			continue
		}
		q.add(qterm{text: tok.text, id: id, soft: tok.soft}, ix.idf(df))
	}
	for _, term := range syn {
		id, df := ix.term(term)
		q.add(qterm{text: term, id: id}, ix.idf(df))
	}
	if q.hard == 0 {
		// In a question written in kana alone the kana are the words:
		// those the knowledge base has never seen count against a match
		// ("あしたのてんき").
		q.soft += unknownSoft
	}
}

// fillerID marks a filler among the phrases.
const fillerID = -1

// minKanaName is the length from which a synonym spelt in hiragana alone
// is a name (きんいしゅくせいそくさくこうかしょう) rather than a word.
const minKanaName = 6

// minRestAfterName is how many letters besides a kana name a question
// needs for the name to count through its synonym group alone.
const minRestAfterName = 4

// prepare reads a normalized text (katakana kept) in one pass over its
// phrases: it blanks out the fillers and the strangers, in place, and
// returns the terms of the synonym groups the text mentions.
//
// A name spelt in kana counts through its synonym group alone, its
// letters blanked for the tokenizer: its many bigrams would otherwise
// outweigh the rest of the question. Only when the rest says something:
// the name alone ("きんいしゅくせいそくさくこうかしょうとは") is the
// question.
func (ix *index) prepare(raw []rune) ([]rune, []string) {
	var buf [64]rune
	kana := buf[:0]
	for _, r := range raw {
		kana = append(kana, toHiragana(r))
	}
	folded := string(kana)
	// Room for what most texts have, without allocating.
	fillers, names := make([][3]int, 0, 4), make([][3]int, 0, 4) // start, end, group
	syns, strangers := make([][3]int, 0, 8), make([][3]int, 0, 4)
	named := 0
	ix.phrases.each(folded, func(start, end, id int) bool {
		switch {
		case id == fillerID:
			fillers = append(fillers, [3]int{start, end, id})
		default:
			syns = append(syns, [3]int{start, end, id})
			if ix.strangers[folded[start:end]] {
				strangers = append(strangers, [3]int{start, end, id})
			}
			if form := folded[start:end]; isHiraganaText(form) && utf8.RuneCountInString(form) >= minKanaName {
				names = append(names, [3]int{start, end, id})
				named += utf8.RuneCountInString(form)
			}
		}
		return true
	})
	var terms []string
	for _, sy := range syns {
		overlaps := slices.ContainsFunc(fillers, func(f [3]int) bool { return sy[0] < f[1] && f[0] < sy[1] })
		if term := ix.synTerms[sy[2]]; !overlaps && !slices.Contains(terms, term) {
			terms = append(terms, term)
		}
	}
	blank := append(fillers, strangers...)
	if named > 0 && len(raw)-named >= minRestAfterName {
		blank = append(blank, names...)
	}
	if len(blank) == 0 {
		return raw, terms
	}
	// Blank the same letters in raw: a letter and its folded form take
	// the same bytes.
	off := 0
	for k, r := range raw {
		if slices.ContainsFunc(blank, func(sp [3]int) bool { return off >= sp[0] && off < sp[1] }) {
			raw[k] = ' '
		}
		off += utf8.RuneLen(toHiragana(r))
	}
	return raw, terms
}

// foldKana returns rs with katakana turned into hiragana, leaving rs as it
// is.
func foldKana(rs []rune) []rune {
	out := make([]rune, len(rs))
	for i, r := range rs {
		out[i] = toHiragana(r)
	}
	return out
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

// known is coverage without the words no entry has.
func (q *query) known(hard, soft float64) float64 {
	if q.hard-q.unknown <= 0 || hard == 0 {
		return q.coverage(hard, soft)
	}
	return (hard + soft) / (q.hard - q.unknown + soft)
}

// unknownYear reports whether the question names a year (1900–2099) that
// no entry mentions.
func (ix *index) unknownYear(q query) bool {
	for _, t := range q.terms {
		if len(t.text) == 4 && (strings.HasPrefix(t.text, "19") || strings.HasPrefix(t.text, "20")) &&
			isDigits(t.text) && t.id == noTerm {
			return true
		}
	}
	return false
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// short reports whether a question has few words: "副作用は？", "how was
// it given?". A question in kana has many particles' worth of soft terms
// and is not short.
func (q *query) short() bool {
	soft := 0
	for _, t := range q.terms {
		if t.soft {
			soft++
		}
	}
	return q.hardTerms() <= 3 && soft <= 4
}

// hardTerms is the number of the question's telling words.
func (q *query) hardTerms() int {
	n := 0
	for _, t := range q.terms {
		if !t.soft {
			n++
		}
	}
	return n
}

// add adds a term of the given idf, scaled down when the term is soft.
func (q *query) add(t qterm, idf float64) {
	t.idf = idf
	if t.soft {
		t.idf *= softWeight
		q.soft += t.idf
	} else {
		q.hard += t.idf
		if t.id == noTerm {
			q.unknown += t.idf
		}
	}
	q.terms = append(q.terms, t)
}

func (q *query) hasID(id int32) bool {
	for _, t := range q.terms {
		if t.id == id {
			return true
		}
	}
	return false
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
		if t.id == noTerm {
			continue
		}
		for _, p := range ix.postings[t.id] {
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
		for _, qi := range ix.qpostings[t.id] {
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
			Known:      q.known(s.hard[d], s.soft[d]),
			Similarity: s.sim[d],
			Matched:    s.hard[d],
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
