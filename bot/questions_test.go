package bot_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"alsbot/bot"
	"alsbot/knowledge"
)

// testQuestion is one question of the question set in testdata, with what
// the bot should do with it.
type testQuestion struct {
	Q    string   `yaml:"q"`
	Want string   `yaml:"want"` // entry id, "fallback" or "rule:ID"
	Also []string `yaml:"also"` // other entries that are as right
}

func loadQuestions(t testing.TB) []testQuestion {
	t.Helper()
	return loadQuestionFile(t, "../testdata/questions.yaml")
}

func loadQuestionFile(t testing.TB, name string) []testQuestion {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var qs []testQuestion
	if err := yaml.Unmarshal(data, &qs); err != nil {
		t.Fatal(err)
	}
	return qs
}

func shippedBot(t testing.TB, opts ...bot.Option) *bot.Bot {
	t.Helper()
	b, err := newShippedBot(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustShippedBot() *bot.Bot {
	b, err := newShippedBot()
	if err != nil {
		panic(err)
	}
	return b
}

func newShippedBot(opts ...bot.Option) (*bot.Bot, error) {
	kb, err := knowledge.LoadShipped()
	if err != nil {
		return nil, fmt.Errorf("shipped knowledge base: %w", err)
	}
	return bot.New(kb, opts...)
}

// outcome says what the bot did with a question, in the terms of the
// question set: an entry id, "fallback", "clarify" or "rule:ID".
func outcome(r bot.Reply) string {
	switch r.Kind {
	case bot.KindAnswer:
		return r.Entry
	case bot.KindRule:
		return "rule:" + r.Rule
	}
	return string(r.Kind)
}

// tally counts right answers in groups of the question set.
type tally struct {
	right, total map[string]int
	misses       map[string][]string
}

func score(b *bot.Bot, qs []testQuestion) tally {
	t := tally{right: map[string]int{}, total: map[string]int{}, misses: map[string][]string{}}
	for _, q := range qs {
		r := b.Ask(context.Background(), bot.Question{Text: q.Q})
		got := outcome(r)
		group := "in-scope"
		switch {
		case q.Want == "fallback":
			group = "out-of-scope"
		case strings.HasPrefix(q.Want, "rule:"):
			group = q.Want
		}
		t.total[group]++
		if got == q.Want || slices.Contains(q.Also, got) {
			t.right[group]++
			continue
		}
		t.misses[group] = append(t.misses[group], fmt.Sprintf("%q: want %s, got %s (score %.2f)", q.Q, q.Want, got, r.Score))
	}
	return t
}

func (t tally) rate(group string) float64 {
	if t.total[group] == 0 {
		return 0
	}
	return float64(t.right[group]) / float64(t.total[group])
}

// TestQuestionSet holds the bot to its promises on the question set:
// in-scope questions answered with the right entry, out-of-scope ones
// refused, emergencies and crises always caught.
func TestQuestionSet(t *testing.T) {
	b := shippedBot(t)
	qs := loadQuestions(t)
	if len(qs) < 250 {
		t.Fatalf("the question set has %d questions, want at least 250", len(qs))
	}
	res := score(b, qs)
	groups := make([]string, 0, len(res.total))
	for g := range res.total {
		groups = append(groups, g)
	}
	sort.Strings(groups)
	for _, g := range groups {
		t.Logf("%-22s %3d/%3d  %.1f%%", g, res.right[g], res.total[g], 100*res.rate(g))
	}
	// What the bot promises: in-scope top-1 at least 95%, every
	// out-of-scope question refused, every emergency and crisis caught.
	floors := map[string]float64{
		"in-scope":       0.95,
		"out-of-scope":   1,
		"rule:emergency": 1,
		"rule:crisis":    1,
	}
	for _, g := range groups {
		floor, ok := floors[g]
		if !ok {
			floor = 0.9
		}
		if res.rate(g) < floor {
			t.Errorf("%s: %.1f%% right, want at least %.0f%%:\n  %s", g, 100*res.rate(g), 100*floor, strings.Join(res.misses[g], "\n  "))
		} else if len(res.misses[g]) > 0 {
			t.Logf("%s misses:\n  %s", g, strings.Join(res.misses[g], "\n  "))
		}
	}
	if res.total["out-of-scope"] < 40 {
		t.Errorf("only %d out-of-scope questions, want at least 40", res.total["out-of-scope"])
	}
}
