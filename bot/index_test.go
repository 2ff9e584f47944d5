package bot

import (
	"math"
	"slices"
	"testing"

	"alsbot/knowledge"
)

// The example questions are weighed at load time from their numbered
// terms; a user's question the same as one of them must weigh the same and
// have the same terms, or the similarity to it would be off.
func TestExampleQuestionsWeighAsTheQuestionWould(t *testing.T) {
	ix := shippedIndex(t)
	kb, err := knowledge.LoadShipped()
	if err != nil {
		t.Fatal(err)
	}
	docs, _ := ix.entryDocs(kb.Entries)
	ids := func(q query) []int32 {
		var out []int32
		for _, term := range q.terms {
			out = append(out, term.id)
		}
		return out
	}
	checked := 0
	var asExample, asQuestion query
	for d, e := range kb.Entries {
		texts := append([]string{e.Title.JA, e.Title.EN}, e.Questions.JA...)
		texts = append(texts, e.Questions.EN...)
		ends := docs[d].ends
		if len(ends) != len(texts) {
			t.Fatalf("%s: %d example questions and titles indexed, %d written", e.ID, len(ends), len(texts))
		}
		start := int32(0)
		for k, text := range texts {
			ix.exampleInto(&asExample, docs[d].examples[start:ends[k]])
			start = ends[k]
			raw, syn := ix.prepare(appendNormalized(nil, text, false))
			ix.queryInto(&asQuestion, tokenizeRunes(raw, nil), syn)
			if math.Abs(asExample.weight()-asQuestion.weight()) > 1e-9 {
				t.Errorf("%q: weighs %v as an example, %v as a question", text, asExample.weight(), asQuestion.weight())
			}
			if !slices.Equal(ids(asExample), ids(asQuestion)) {
				t.Errorf("%q: terms %v as an example, %v as a question", text, ids(asExample), ids(asQuestion))
			}
			checked++
		}
	}
	if checked < 1000 {
		t.Fatalf("checked %d example questions; the shipped knowledge base has thousands", checked)
	}
}
