package knowledge_test

import (
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"alsbot/knowledge"
)

// A sentence pasted from a document is caught at its line; the same facts
// in other words, and a quoted title, are not.
func TestCopiesCatchesAPastedSentence(t *testing.T) {
	doc := "歯髄は歯の中心にある組織で、乳歯や親知らずから取れます。ここから得た幹細胞は神経の再生を助けます。"
	for _, tt := range []struct {
		name, answer string
		caught       bool
	}{
		{"pasted", "歯髄は歯の中心にある組織で、乳歯や親知らずから取れます。", true},
		{"pasted with other spaces", "歯髄は歯の中心にある 組織で、乳歯や親知らずから 取れます。", true},
		{"own words", "歯髄とは、歯の内側のやわらかい組織です。抜けた乳歯や親知らずから採れます。", false},
		{"the title quoted", "「歯髄は歯の中心にある組織で、乳歯や親知らずから取れます」という題の記事です。", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			entries := strings.Replace(goodEntries, "answer: {ja: 答え, en: Answer}", "answer: {ja: \""+tt.answer+"\", en: Answer}", 1)
			source := goodSource + "document: doc.txt\n"
			if tt.name == "the title quoted" {
				source = strings.Replace(source, "title: A press release", "title: 歯髄は歯の中心にある組織で、乳歯や親知らずから取れます", 1)
			}
			kb, err := knowledge.Load(knowledge.Dir{FS: fstest.MapFS{"kb.yaml": {Data: []byte(entries + goodRest)}}, Path: "kb"},
				knowledge.Dir{FS: fstest.MapFS{"press.yaml": {Data: []byte(source)}}, Path: "seeds"})
			if err != nil {
				t.Fatal(err)
			}
			err = knowledge.Copies(kb, knowledge.Dir{}, fstest.MapFS{"doc.txt": {Data: []byte(doc)}})
			if caught := err != nil; caught != tt.caught {
				t.Fatalf("caught %v, want %v: %v", caught, tt.caught, err)
			}
			if tt.caught && !strings.Contains(err.Error(), "copies") {
				t.Errorf("the problem does not say what is wrong: %v", err)
			}
		})
	}
}

// The shipped answers copy no sentence of the documents they cite (the
// documents are kept beside the checkout, in ../shared/seeds).
func TestShippedAnswersCopyNothing(t *testing.T) {
	const docs = "../../shared/seeds"
	if _, err := os.Stat(docs); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("no source documents at %s: %v", docs, err)
		}
		t.Skipf("no source documents at %s", docs)
	}
	kb, err := knowledge.LoadShipped()
	if err != nil {
		t.Fatal(err)
	}
	if err := knowledge.Copies(kb, knowledge.Dir{FS: knowledge.Files, Path: "knowledge"}, os.DirFS(docs)); err != nil {
		t.Errorf("answers copy their sources:\n%v", err)
	}
}
