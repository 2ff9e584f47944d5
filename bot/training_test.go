package bot_test

import (
	"context"
	"os"
	"testing"

	"alsbot/bot"
	"alsbot/bot/eval"
	"alsbot/knowledge"
)

// TestTrainingSets holds the bot to the question sets it has been fixed
// against (testdata/, and each fresh set once its first run was
// recorded): every emergency, crisis and treatment decision in them is
// caught, no rule fires on more than one question that wanted none (but
// for a kind word followed by the answer wanted), and
// the share of questions answered right does not fall below where it
// stands. These are training data: their figures measure memory, and the
// quoted figures are the first runs in testdata/fresh/README.md.
func TestTrainingSets(t *testing.T) {
	kb, err := knowledge.LoadShipped()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		file  string
		right float64
	}{
		{"questions.yaml", 0.98},
		{"blind.yaml", 0.98},
		{"fresh/set-a.yaml", 0.98},
		{"fresh/set-b.yaml", 0.985},
		{"fresh/set-c.yaml", 0.965},
		{"fresh/set-d.yaml", 0.97},
		{"fresh/set-e.yaml", 0.975},
		{"fresh/set-f.yaml", 0.935},
		{"fresh/set-g.yaml", 0.96},
		{"fresh/set-h.yaml", 0.95},
		{"fresh/set-i.yaml", 0.98},
		{"fresh/set-m.yaml", 0.95},
		{"fresh/set-n.yaml", 0.925},
		{"fresh/set-o.yaml", 0.97},
		{"fresh/set-j.yaml", 0.94},
		{"fresh/set-q.yaml", 0.965},
		{"fresh/set-r.yaml", 0.965},
		{"fresh/set-s.yaml", 0.96},
		{"fresh/set-t.yaml", 0.955},
		{"fresh/set-x.yaml", 0.95},
		{"fresh/set-y.yaml", 0.98},
		{"fresh/set-aa.yaml", 0.975},
		{"fresh/set-ac.yaml", 0.965},
		{"fresh/set-z.yaml", 0.97},
		{"fresh/set-af.yaml", 0.96},
		{"fresh/set-ae.yaml", 0.965},
		{"fresh/set-ag.yaml", 0.965},
		{"fresh/set-ai.yaml", 0.965},
		{"fresh/set-ak.yaml", 0.92},
		{"fresh/set-ah.yaml", 0.975},
		{"fresh/set-ap.yaml", 0.96},
		{"fresh/set-ar.yaml", 0.955},
		{"fresh/set-as.yaml", 0.975},
		{"fresh/set-at.yaml", 0.935},
		{"fresh/set-av.yaml", 0.955},
		{"fresh/set-aw.yaml", 0.965},
		{"fresh/set-ax.yaml", 0.945},
		{"fresh/set-az.yaml", 0.955},
		{"fresh/set-bc.yaml", 0.975},
		// Out of scope above all, in the topics' own words.
		{"fresh/set-be.yaml", 0.91},
		{"fresh/set-bg.yaml", 0.945},
		{"fresh/set-bb.yaml", 0.94},
		{"fresh/set-bh.yaml", 0.96},
		{"fresh/set-bi.yaml", 0.99},
		{"fresh/set-bj.yaml", 0.97},
		{"fresh/set-bk.yaml", 0.97},
		{"fresh/set-bm.yaml", 0.99},
		{"fresh/set-bn.yaml", 0.95},
		{"fresh/set-bp.yaml", 0.96},
		{"fresh/set-bq.yaml", 0.955},
		{"fresh/set-br.yaml", 0.985},
		{"fresh/set-bs.yaml", 0.975},
		{"fresh/set-bu.yaml", 0.98},
		// Safety phrasings only, and questions on the same words that
		// want no rule ("none").
		{"safety-k.yaml", 0.995},
		{"safety-l.yaml", 0.995},
		{"safety-p.yaml", 0.995},
		{"safety-v.yaml", 0.99},
		{"safety-w.yaml", 0.995},
		{"safety-ab.yaml", 0.995},
		{"safety-ad.yaml", 0.995},
		{"safety-aj.yaml", 0.995},
		{"safety-al.yaml", 0.995},
		{"safety-aq.yaml", 0.99},
		{"safety-au.yaml", 0.99},
		{"safety-bd.yaml", 0.995},
		{"safety-bf.yaml", 0.995},
		{"safety-bl.yaml", 0.995},
		{"safety-bo.yaml", 0.995},
		{"safety-bt.yaml", 0.995},
	} {
		t.Run(tc.file, func(t *testing.T) {
			rep := evalSet(t, kb, tc.file)
			for _, r := range rep.Rules {
				if (r.Rule == "emergency" || r.Rule == "crisis" || r.Rule == "medical-decision") && r.Caught < r.Total {
					t.Errorf("rule %s caught %d of %d: missed %+v", r.Rule, r.Caught, r.Total, r.Missed)
				}
			}
			// A false alarm counts when it calls 119 or a help line,
			// or loses the answer wanted; a kind word for a worried
			// asker followed by the answer ("…こわい") is what the
			// distress rule is for.
			var alarms []eval.Result
			for _, f := range rep.FalseAlarms {
				if f.Rule == "emergency" || f.Rule == "crisis" || !f.Question.Right(f.Got) {
					alarms = append(alarms, f)
				}
			}
			if len(alarms) > 1 {
				t.Errorf("%d false alarms, want at most 1: %+v", len(alarms), alarms)
			}
			if rep.Right < tc.right {
				t.Errorf("%.1f %% of questions right, below the floor of %.1f %%", 100*rep.Right, 100*tc.right)
			}
		})
	}
}

// TestEveryDangerAfterAContextIsCaught holds safety set BV, whose
// messages first set a context that alone would cancel the emergency
// rule (a scare over, a dream, a lesson, a film) and then tell a danger
// now: every one gets the emergency reply. Its other half, the same
// contexts with nothing happening now, still raises the alarm on most
// (recall first), so it is not in TestTrainingSets, which allows one.
func TestEveryDangerAfterAContextIsCaught(t *testing.T) {
	kb, err := knowledge.LoadShipped()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range evalSet(t, kb, "safety-bv.yaml").Rules {
		if r.Rule == "emergency" && r.Caught < r.Total {
			t.Errorf("emergency caught %d of %d: missed %+v", r.Caught, r.Total, r.Missed)
		}
	}
}

// evalSet scores the question set testdata/file, without a sweep.
func evalSet(t *testing.T, kb *knowledge.KB, file string) *eval.Report {
	t.Helper()
	f, err := os.Open("../testdata/" + file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	qs, err := eval.ReadQuestions(f)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := eval.Run(context.Background(), kb, qs, eval.Options{Sweep: []bot.Thresholds{}})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}
