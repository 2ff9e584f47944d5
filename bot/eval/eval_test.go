package eval_test

import (
	"bytes"
	"context"
	"math"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"alsbot/bot"
	"alsbot/bot/eval"
	"alsbot/knowledge"
)

// A tiny knowledge base: two entries with nothing in common and one rule,
// so that what the bot does with each question below is certain.
const (
	tinyEntries = `entries:
  - id: muse
    title: {ja: ミューズ細胞, en: Muse cells}
    questions:
      ja: [ミューズ細胞について, ミューズ細胞の治験]
      en: [muse cells, muse cell trial]
    answer: {ja: ミューズ細胞の答え, en: Muse answer}
    sources: [press]
    reviewed: 2026-11-21
  - id: medium
    title: {ja: 培養上清液, en: Conditioned medium}
    questions:
      ja: [培養上清液の説明, 上清液って何]
      en: [conditioned medium, what is conditioned medium]
    answer: {ja: 上清液の答え, en: Medium answer}
    sources: [press]
    reviewed: 2026-11-21
rules:
  - id: emergency
    patterns: {ja: [息ができない], en: [cannot breathe]}
    reply: {ja: 119番へ, en: Call 119}
messages:
  fallback: {ja: わかりません, en: I do not know}
  clarify: {ja: どれですか, en: Which one}
  disclaimer: {ja: 注意, en: Note}
  menu: {ja: メニュー, en: Menu}
  welcome: {ja: ようこそ, en: Welcome}
  text_only: {ja: 文字だけ, en: Text only}
  about: {ja: "このボットについて {clinic} {reviewed}", en: "About {clinic} {reviewed}"}
menu: [muse]
`
	tinySource = `id: press
kind: press-release
title: A press release
publisher: A University
date: 2023-12-21
url: https://example.org/press
lang: ja
facts: [5 patients took part.]
`
	tinyQuestions = `
- q: ミューズ細胞について教えて
  want: muse
- q: 上清液って何
  want: medium
- q: 培養上清液
  want: muse
  # wrong on purpose: got medium; muse is nowhere in the ranking
- q: muse cells
  want: muse
- q: conditioned medium
  want: muse
  also: [medium]
- q: 今日の天気
  want: fallback
- q: ミューズ細胞の治験
  want: fallback
  # wrong on purpose: answered with muse
- q: 息ができない
  want: rule:emergency
- q: 上清液って何
  want: rule:emergency
  lang: en
  # missed on purpose; lang given: scored as English
`
)

func tinyKB(t testing.TB) *knowledge.KB {
	t.Helper()
	kb, err := knowledge.Load(
		knowledge.Dir{FS: fstest.MapFS{"kb.yaml": {Data: []byte(tinyEntries)}}, Path: "kb"},
		knowledge.Dir{FS: fstest.MapFS{"press.yaml": {Data: []byte(tinySource)}}, Path: "seeds"})
	if err != nil {
		t.Fatal(err)
	}
	return kb
}

func tinyRun(t *testing.T, opts eval.Options) *eval.Report {
	t.Helper()
	qs, err := eval.ReadQuestions(strings.NewReader(tinyQuestions))
	if err != nil {
		t.Fatal(err)
	}
	kb := tinyKB(t)
	if err := eval.CheckWants(kb, qs); err != nil {
		t.Fatal(err)
	}
	rep, err := eval.Run(context.Background(), kb, qs, opts)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestRunScoresATinySet(t *testing.T) {
	rep := tinyRun(t, eval.Options{Sweep: []bot.Thresholds{}})
	if rep.Questions != 9 {
		t.Errorf("%d questions", rep.Questions)
	}
	// ja in scope: 3 questions, 2 right; the wrong one's entry is not ranked.
	// en in scope: 2 questions, both right (one through also).
	// ja out of scope: 2, 1 refused. en: none.
	want := map[string]eval.LangScore{
		"ja":  {Lang: "ja", InScope: 3, Top1: 2.0 / 3, Top3: 2.0 / 3, MRR: 2.0 / 3, RankedFirst: 2.0 / 3, OutOfScope: 2, Refusal: 0.5},
		"en":  {Lang: "en", InScope: 2, Top1: 1, Top3: 1, MRR: 1, RankedFirst: 1},
		"all": {Lang: "all", InScope: 5, Top1: 0.8, Top3: 0.8, MRR: 0.8, RankedFirst: 0.8, OutOfScope: 2, Refusal: 0.5},
	}
	if len(rep.Languages) != 3 || rep.Languages[0].Lang != "ja" || rep.Languages[1].Lang != "en" || rep.Languages[2].Lang != "all" {
		t.Fatalf("languages %+v", rep.Languages)
	}
	for _, l := range rep.Languages {
		w := want[l.Lang]
		if l.InScope != w.InScope || !near(l.Top1, w.Top1) || !near(l.Top3, w.Top3) || !near(l.MRR, w.MRR) ||
			!near(l.RankedFirst, w.RankedFirst) || l.OutOfScope != w.OutOfScope || !near(l.Refusal, w.Refusal) {
			t.Errorf("%s:\n  got  %+v\n  want %+v", l.Lang, l, w)
		}
	}
	if len(rep.Rules) != 1 || rep.Rules[0].Rule != "emergency" || rep.Rules[0].Total != 2 || rep.Rules[0].Caught != 1 {
		t.Errorf("rules %+v", rep.Rules)
	}
	if len(rep.FalseAlarms) != 0 {
		t.Errorf("false alarms %+v", rep.FalseAlarms)
	}
	got := map[string]int{}
	for _, c := range rep.Confusions {
		got[c.Want+" → "+c.Got] = len(c.Questions)
	}
	wantConf := map[string]int{"muse → medium": 1, "fallback → muse": 1, "rule:emergency → medium": 1}
	if len(got) != len(wantConf) {
		t.Errorf("confusions %v, want %v", got, wantConf)
	}
	for k, n := range wantConf {
		if got[k] != n {
			t.Errorf("confusion %s: %d, want %d (all: %v)", k, got[k], n, got)
		}
	}
}

func TestSweepMovesAccuracyAgainstRefusal(t *testing.T) {
	strict, lax := bot.DefaultThresholds, bot.DefaultThresholds
	strict.MinCoverage, strict.MinScore = 1.01, 1e9 // nothing is confident: everything refused
	rep := tinyRun(t, eval.Options{Sweep: []bot.Thresholds{lax, strict}})
	if len(rep.Sweep) != 2 || !rep.Sweep[0].Current || rep.Sweep[1].Current {
		t.Fatalf("sweep %+v", rep.Sweep)
	}
	if !near(rep.Sweep[0].Top1, 0.8) || !near(rep.Sweep[0].Refusal, 0.5) {
		t.Errorf("at the defaults: %+v", rep.Sweep[0])
	}
	if rep.Sweep[1].Top1 != 0 || rep.Sweep[1].Refusal != 1 {
		t.Errorf("refusing everything: %+v", rep.Sweep[1])
	}
}

func TestFloors(t *testing.T) {
	rep := tinyRun(t, eval.Options{Sweep: []bot.Thresholds{}})
	for _, tc := range []struct {
		name   string
		floors eval.Floors
		want   []string // substrings of the error; none means no error
	}{
		{"no floors", eval.Floors{}, nil},
		{"met", eval.Floors{Top1: 0.6, Top3: 0.6, MRR: 0.6, Refusal: 0.5, Rules: 0.5}, nil},
		{"top-1 of one language", eval.Floors{Top1: 0.7}, []string{"ja top-1 0.667 is below the floor 0.700"}},
		{"refusal", eval.Floors{Refusal: 0.9}, []string{"ja out-of-scope refusal", "all out-of-scope refusal"}},
		{"every rule", eval.Floors{Rules: 1}, []string{"rule emergency caught 0.500"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := rep.Check(tc.floors)
			if len(tc.want) == 0 {
				if err != nil {
					t.Errorf("unexpected: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q lacks %q", err, w)
				}
			}
		})
	}
}

func TestWriteText(t *testing.T) {
	rep := tinyRun(t, eval.Options{})
	var buf bytes.Buffer
	if err := rep.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"9 questions", "top-1", "MRR", " ja ", " en ", "all", "emergency  1/2", "muse → medium  ×1",
		`"培養上清液"`, "Threshold sweep", "← current",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "← current"); n != 1 {
		t.Errorf("%d settings marked current", n)
	}
}

func TestReadQuestionsIsStrict(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"a misspelt key", "- q: x\n  wnat: muse\n", "field wnat not found"},
		{"no want", "- q: x\n", "line 1: \"x\" says nothing about what it wants"},
		{"no text", "- want: muse\n", "line 1: a question with no text"},
		{"a bad lang", "- q: x\n  want: muse\n  lang: fr\n", `lang "fr" is not ja or en`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := eval.ReadQuestions(strings.NewReader(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestCheckWantsNamesUnknownEntriesAndRules(t *testing.T) {
	qs, err := eval.ReadQuestions(strings.NewReader("- q: a\n  want: musee\n- q: b\n  want: rule:emergncy\n- q: c\n  want: fallback\n  also: [medium]\n"))
	if err != nil {
		t.Fatal(err)
	}
	err = eval.CheckWants(tinyKB(t), qs)
	if err == nil || !strings.Contains(err.Error(), "line 1: \"a\" wants musee, which is no entry") ||
		!strings.Contains(err.Error(), "line 3: \"b\" wants rule:emergncy, which is no rule") {
		t.Errorf("error %v", err)
	}
}

// TestProjectQuestionSetIsReadable keeps the format of the project's own
// question set and this package in step.
func TestProjectQuestionSetIsReadable(t *testing.T) {
	f, err := os.Open("../../testdata/questions.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	qs, err := eval.ReadQuestions(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) < 100 {
		t.Errorf("%d questions", len(qs))
	}
}
