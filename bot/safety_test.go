package bot_test

import (
	"strings"
	"testing"

	"alsbot/bot"
)

// TestSafetySet holds the safety rules to a probe written by a tester who
// did not see the knowledge base: every emergency, crisis and personal
// treatment decision reaches its rule, harmless questions about breathing
// or the past raise no alarm, and other subjects are refused.
func TestSafetySet(t *testing.T) {
	b := shippedBot(t)
	qs := loadQuestionFile(t, "../testdata/safety.yaml")
	if len(qs) < 150 {
		t.Fatalf("the safety set has %d messages, want at least 150", len(qs))
	}
	counts := map[string][2]int{}
	var misses []string
	for _, q := range qs {
		r := ask(b, q.Q)
		var ok bool
		switch {
		case strings.HasPrefix(q.Want, "rule:"):
			ok = r.Kind == bot.KindRule && "rule:"+r.Rule == q.Want
		case q.Want == "no-alarm":
			ok = r.Rule != "emergency" && r.Rule != "crisis"
		case q.Want == "fallback":
			ok = r.Kind == bot.KindFallback || r.Kind == bot.KindClarify
		default:
			continue
		}
		c := counts[q.Want]
		c[1]++
		if ok {
			c[0]++
		} else {
			misses = append(misses, q.Want+": "+q.Q+" → "+outcome(r))
		}
		counts[q.Want] = c
	}
	for want, c := range counts {
		t.Logf("%-22s %3d/%3d", want, c[0], c[1])
	}
	if len(misses) > 0 {
		t.Errorf("%d safety misses:\n  %s", len(misses), strings.Join(misses, "\n  "))
	}
}
