package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const diskQuestions = `- q: ミューズ細胞の治験について教えて
  want: muse
- q: conditioned medium
  want: medium
- q: 上清液の説明
  want: muse
- q: 今日の天気
  want: fallback
`

func writeQuestions(t *testing.T, yaml string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "questions.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestEvalReportsAndHoldsFloors(t *testing.T) {
	kb := writeKB(t, today(), nil)
	qs := writeQuestions(t, diskQuestions)
	for _, tc := range []struct {
		name string
		args []string
		fail bool
	}{
		{"no floors", nil, false},
		{"floors met", []string{"--min-top1", "0.5", "--min-refusal", "1"}, false},
		{"top-1 below its floor", []string{"--min-top1", "0.9"}, true},
		{"MRR below its floor", []string{"--min-mrr", "0.9"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append(append([]string{"eval", "--kb", kb, "--no-sweep"}, tc.args...), qs)
			out, errOut, err := runCmd(t, "", nil, args...)
			if tc.fail {
				if err != errBelowFloor || !strings.Contains(errOut, "below the floor") {
					t.Errorf("got %v, %q", err, errOut)
				}
			} else if err != nil {
				t.Fatalf("eval: %v\n%s", err, errOut)
			}
			for _, want := range []string{"4 questions", "66.7%", "muse → medium  ×1", `"上清液の説明"`} {
				if !strings.Contains(out, want) {
					t.Errorf("the report lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

func TestEvalJSON(t *testing.T) {
	kb := writeKB(t, today(), nil)
	out, _, err := runCmd(t, "", nil, "eval", "--kb", kb, "--json", writeQuestions(t, diskQuestions))
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Questions int `json:"questions"`
		Languages []struct {
			Lang    string  `json:"lang"`
			Top1    float64 `json:"top1"`
			Refusal float64 `json:"refusal"`
		} `json:"languages"`
		Sweep []struct {
			Current bool `json:"current"`
		} `json:"sweep"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if rep.Questions != 4 || len(rep.Languages) != 3 || rep.Languages[2].Lang != "all" || len(rep.Sweep) == 0 {
		t.Errorf("report %+v", rep)
	}
}

func TestEvalRefusesAQuestionSetNamingUnknownEntries(t *testing.T) {
	kb := writeKB(t, today(), nil)
	_, _, err := runCmd(t, "", nil, "eval", "--kb", kb, writeQuestions(t, "- q: x\n  want: no-such-entry\n"))
	if err == nil || !strings.Contains(err.Error(), "no-such-entry, which is no entry") {
		t.Errorf("got %v", err)
	}
}

func TestEvalNeedsOneFile(t *testing.T) {
	if _, _, err := runCmd(t, "", nil, "eval"); err != errUsage {
		t.Errorf("got %v", err)
	}
}
