package bot_test

import (
	"strings"
	"testing"
)

// TestTypingSet holds the bot to questions typed as people type: kana
// only, romaji, English and Japanese typos, and long rambling messages
// (testdata/typing.yaml, written without looking at the entries).
func TestTypingSet(t *testing.T) {
	b := shippedBot(t)
	qs := loadQuestionFile(t, "../testdata/typing.yaml")
	if len(qs) < 80 {
		t.Fatalf("the typing set has %d questions, want at least 80", len(qs))
	}
	res := score(b, qs)
	right, total := 0, 0
	var misses []string
	for g, n := range res.total {
		right += res.right[g]
		total += n
		misses = append(misses, res.misses[g]...)
	}
	rate := float64(right) / float64(total)
	t.Logf("typing set: %d/%d = %.1f%%", right, total, 100*rate)
	if rate < 0.9 {
		t.Errorf("typing set: %.1f%% right, want at least 90%%:\n  %s", 100*rate, strings.Join(misses, "\n  "))
	} else if len(misses) > 0 {
		t.Logf("misses:\n  %s", strings.Join(misses, "\n  "))
	}
}
