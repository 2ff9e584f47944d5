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
	checked := 0
	var asExample, asQuestion query
	for _, doc := range docs {
		for _, it := range doc.questions {
			ix.exampleInto(&asExample, it)
			ix.queryInto(&asQuestion, it.toks, it.syn)
			if math.Abs(asExample.weight()-asQuestion.weight()) > 1e-9 {
				t.Errorf("%v: weighs %v as an example, %v as a question", it.toks, asExample.weight(), asQuestion.weight())
			}
			ids := func(q query) []int32 {
				var out []int32
				for _, term := range q.terms {
					out = append(out, term.id)
				}
				return out
			}
			if !slices.Equal(ids(asExample), ids(asQuestion)) {
				t.Errorf("%v: terms %v as an example, %v as a question", it.toks, ids(asExample), ids(asQuestion))
			}
			checked++
		}
	}
	if checked < 1000 {
		t.Fatalf("checked %d example questions; the shipped knowledge base has thousands", checked)
	}
}
