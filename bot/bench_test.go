package bot_test

import (
	"context"
	"fmt"
	"io/fs"
	"testing"
	"testing/fstest"

	"alsbot/bot"
	"alsbot/knowledge"
	"alsbot/seeds"
)

// benchQuestions mixes what patients and staff send: Japanese, English,
// kana, a rule, and an out-of-scope question.
var benchQuestions = []string{
	"ミューズ細胞の治験結果は？",
	"上清液って何",
	"ＡＬＳは治る？",
	"Muse trial results",
	"what is conditioned medium",
	"母がALSと診断されて、歯の細胞を使った治療ってどういうものなんでしょうか",
	"息ができない",
	"今日の天気は？",
}

// BenchmarkAsk is one question end to end on the shipped knowledge base:
// normalization, rules, retrieval, the decision and the reply.
func BenchmarkAsk(b *testing.B) {
	bt := shippedBot(b)
	ctx := context.Background()
	i := 0
	for b.Loop() {
		bt.Ask(ctx, bot.Question{Text: benchQuestions[i%len(benchQuestions)]})
		i++
	}
}

// BenchmarkAskConversation is one question end to end within
// conversations, with follow-ups, typos and romaji: the context store,
// typo correction and romaji reading all at work.
func BenchmarkAskConversation(b *testing.B) {
	bt := shippedBot(b)
	ctx := context.Background()
	turns := []string{
		"ミューズ細胞の治験結果は？", "副作用は？", "どうやって投与するの？",
		"muse trail results", "and the side effects?",
		"myu-zu saibou no chiken", "baiyou jouseieki towa", "培養上生液とは", "2",
	}
	i := 0
	for b.Loop() {
		conv := fmt.Sprintf("line:U%d", (i/len(turns))%500)
		bt.Ask(ctx, bot.Question{Text: turns[i%len(turns)], Conversation: conv})
		i++
	}
}

// BenchmarkLoad loads, validates and indexes the shipped knowledge base.
func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		kb, err := knowledge.LoadShipped()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := bot.New(kb); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAskLargeKB asks questions of a generated knowledge base of
// 10,000 entries (the shipped ones plus generated siblings).
func BenchmarkAskLargeKB(b *testing.B) {
	bt := largeBot(b, 10000)
	ctx := context.Background()
	i := 0
	for b.Loop() {
		bt.Ask(ctx, bot.Question{Text: benchQuestions[i%len(benchQuestions)]})
		i++
	}
}

// largeBot builds a knowledge base of n entries: the shipped files plus
// generated entries whose questions mix the shipped vocabulary with
// invented words, so the index has realistic overlap.
func largeBot(b *testing.B, n int) *bot.Bot {
	b.Helper()
	files := fstest.MapFS{}
	names, err := fs.Glob(knowledge.Files, "*.yaml")
	if err != nil {
		b.Fatal(err)
	}
	for _, name := range names {
		data, err := knowledge.Files.ReadFile(name)
		if err != nil {
			b.Fatal(err)
		}
		files[name] = &fstest.MapFile{Data: data}
	}
	words := []string{"治験", "細胞", "結果", "副作用", "費用", "研究", "病院", "trial", "cell", "result", "study", "cost"}
	var yaml []byte
	yaml = append(yaml, "entries:\n"...)
	for i := 0; len(yaml) >= 0 && i < n; i++ {
		w1, w2 := words[i%len(words)], words[(i/len(words))%len(words)]
		yaml = fmt.Appendf(yaml, `  - id: gen-%d
    topic: als
    facets: [what]
    title: {ja: "話題%d %s", en: "topic %d %s"}
    questions:
      ja: ["%sと%sの話題%dについて", "話題%dの%sは？"]
      en: ["what about %s %s topic%d", "topic%d %s"]
    keywords: [kw%d, %s]
    answer: {ja: "答え%d", en: "answer %d"}
    sources: [clinic-blog-2025]
    reviewed: 2026-11-21
`, i, i, w1, i, w1, w1, w2, i, i, w2, w1, w2, i, i, w2, i, w1, i, i)
	}
	files["generated.yaml"] = &fstest.MapFile{Data: yaml}
	kb, err := knowledge.Load(knowledge.Dir{FS: files, Path: "kb"}, knowledge.Dir{FS: seeds.Files, Path: "seeds"})
	if err != nil {
		b.Fatal(err)
	}
	bt, err := bot.New(kb)
	if err != nil {
		b.Fatal(err)
	}
	return bt
}
