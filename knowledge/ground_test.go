package knowledge_test

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"alsbot/knowledge"
)

// A source register for grounding tests: the press release records a
// trial in 5 patients, the blog (not cited unless asked) a 68-year-old.
const (
	pressSource = `id: press
kind: press-release
title: A press release on a Muse cell trial (phase 2)
publisher: A University
date: 2023-12-21
url: https://example.org/press
doi: 10.1177/09636897231214370
lang: ja
facts:
  - 5 patients with sporadic ALS received CL2020 once a month, 6 doses in all.
  - The ALSFRS-R score fell by 0.47 points per month before and 0.25 after.
  - The paper was published on 2023-11-28.
  - Patients aged 20 or over took part; 40% of them were women.
  - A phase II trial of STR03 started in July 2025.
  - Of them, 3 slowed down.
  - Reference 13 is a request document of 令和7年度 on the bosutinib (ボスチニブ) trial.
`
	blogSource = `id: blog
kind: blog
title: A blog
publisher: A clinic
date: "2025"
document: blog.txt
lang: ja
facts:
  - A 68-year-old patient was treated for 1 year.
`
	groundRest = `messages:
  fallback: {ja: わかりません, en: I do not know}
  clarify: {ja: どれですか, en: Which one}
  disclaimer: {ja: 注意, en: Note}
  menu: {ja: メニュー, en: Menu}
  welcome: {ja: ようこそ, en: Welcome}
  text_only: {ja: 文字だけ, en: Text only}
  about: {ja: "このボットについて {clinic} {reviewed}", en: "About {clinic} {reviewed}"}
menu: [muse]
`
)

// groundKB loads a knowledge base of one entry citing sources, whose
// answer is ja and en as literal blocks: the ja text starts on line 8.
func groundKB(t *testing.T, ja, en string, sources string) (*knowledge.KB, knowledge.Dir) {
	t.Helper()
	indent := func(s string) string { return "        " + strings.ReplaceAll(s, "\n", "\n        ") }
	entries := `entries:
  - id: muse
    title: {ja: ミューズ, en: Muse}
    questions: {ja: [ミューズ細胞とは], en: [what are muse cells]}
    sources: [` + sources + `]
    answer:
      ja: |-
` + indent(ja) + `
      en: |-
` + indent(en) + `
    reviewed: 2026-11-21
`
	d := knowledge.Dir{FS: fstest.MapFS{"entries.yaml": {Data: []byte(entries)}, "rest.yaml": {Data: []byte(groundRest)}}, Path: "kb"}
	src := knowledge.Dir{FS: fstest.MapFS{"press.yaml": {Data: []byte(pressSource)}, "blog.yaml": {Data: []byte(blogSource)}}, Path: "seeds"}
	kb, err := knowledge.Load(d, src)
	if err != nil {
		t.Fatalf("load: %v\n%s", err, entries)
	}
	return kb, d
}

func TestGroundFindsPlantedFigures(t *testing.T) {
	const en = "5 patients took part."
	for _, tc := range []struct {
		name, ja, en, sources string
		want                  []string // problems, in order; none when empty
	}{
		{name: "all recorded", ja: "5人の患者さんに月1回、6回投与。0.47から0.25へ。", en: "five patients, once a month, 6 doses; 0.47 to 0.25."},
		{name: "a mistyped decimal", ja: "平均0.74点の低下", en: en,
			want: []string{"kb/entries.yaml:8: 0.74 is in no cited source (press)"}},
		{name: "full-width digits are digits", ja: "平均０．４７点、５人", en: en},
		{name: "a full-width mistyped decimal", ja: "平均０．７４点", en: en,
			want: []string{"kb/entries.yaml:8: 0.74 is in no cited source (press)"}},
		{name: "the line inside the answer", ja: "一行目\n二行目\n参加者は8人でした", en: en,
			want: []string{"kb/entries.yaml:10: 8 is in no cited source (press)"}},
		{name: "an English number word", ja: "5人", en: "Seven patients took part.",
			want: []string{"kb/entries.yaml:10: Seven (7) is in no cited source (press)"}},
		{name: "a kanji numeral with a counter", ja: "五人が参加し、二十歳以上が対象", en: en},
		{name: "a wrong kanji numeral", ja: "七人が参加", en: en,
			want: []string{"kb/entries.yaml:8: 七人 (7) is in no cited source (press)"}},
		{name: "a Japanese date", ja: "2023年11月28日に掲載", en: "Published on 28 November 2023."},
		{name: "a wrong Japanese date", ja: "2023年11月29日に掲載", en: en,
			want: []string{"kb/entries.yaml:8: 2023年11月29日 (2023-11-29) is in no cited source (press)"}},
		{name: "a wrong English date", ja: "5人", en: "Published on November 18, 2023.",
			want: []string{"kb/entries.yaml:10: November 18, 2023 (2023-11-18) is in no cited source (press)"}},
		{name: "a year and month within a recorded day", ja: "2023年11月に掲載、2025年7月に開始", en: "July 2025"},
		{name: "the source's own date", ja: "2023年12月21日の発表", en: en},
		{name: "an era year", ja: "令和7年度の要望", en: en},
		{name: "a wrong era year", ja: "令和6年度の要望", en: en,
			want: []string{"kb/entries.yaml:8: 令和6年度 (2024) is in no cited source (press)"}},
		{name: "a percentage is not a count", ja: "40%が女性", en: "5 percent were women",
			want: []string{"kb/entries.yaml:10: 5 percent (5%) is in no cited source (press)"}},
		{name: "a product code", ja: "CL2021を投与", en: en,
			want: []string{"kb/entries.yaml:8: CL2021 (cl2021) is in no cited source (press)"}},
		{name: "a drug not in the source", ja: "5人", en: "Like edaravone, it slows ALS.",
			want: []string{"kb/entries.yaml:10: edaravone is in no cited source (press)"}},
		{name: "a katakana drug not in the source", ja: "リルゾールと同じく", en: en,
			want: []string{"kb/entries.yaml:8: リルゾール is in no cited source (press)"}},
		{name: "a katakana drug the source names", ja: "ボスチニブ試験", en: "the bosutinib trial, phase II"},
		{name: "a trial named before trial", ja: "5人", en: "The Sunrise trial enrolled 5 patients.",
			want: []string{"kb/entries.yaml:10: Sunrise (sunrise) is in no cited source (press)"}},
		{name: "a wrong DOI", ja: "DOI：10.1177/09636897231214371", en: en,
			want: []string{"kb/entries.yaml:8: 10.1177/09636897231214371 is in no cited source (press)"}},
		{name: "a count of the wrong thing", ja: "6人が参加", en: en,
			want: []string{"kb/entries.yaml:8: 6 is in no cited source (press): they give 6 as times, not people"}},
		{name: "a count of the right thing", ja: "6回投与", en: "6 infusions"},
		{name: "units in both", ja: "20歳以上、1年間", en: "aged 20 or over, for 1 year", sources: "press, blog"},
		{name: "a unit the source leaves open", ja: "3人は進行が遅くなった", en: "three patients slowed"},
		{name: "in another source: a hint", ja: "68歳の患者さん", en: en,
			want: []string{"kb/entries.yaml:8: 68 is in no cited source (press); blog records it: cite it, or correct the figure"}},
		{name: "citing that source", ja: "68歳の患者さんが1年間", en: en, sources: "press, blog"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sources := tc.sources
			if sources == "" {
				sources = "press"
			}
			kb, d := groundKB(t, tc.ja, tc.en, sources)
			var got []string
			for _, p := range knowledge.Problems(knowledge.Ground(kb, d)) {
				got = append(got, p.Error())
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("problems:\n  got  %q\n  want %q", got, tc.want)
			}
		})
	}
}

func TestGroundWithoutTheDirectoryPointsAtTheEntry(t *testing.T) {
	kb, _ := groundKB(t, "0.74", "5", "press")
	ps := knowledge.Problems(knowledge.Ground(kb, knowledge.Dir{}))
	if len(ps) != 1 || ps[0].Error() != "kb/entries.yaml:2: 0.74 is in no cited source (press)" {
		t.Errorf("got %v", ps)
	}
}

func TestShippedAnswersAreGrounded(t *testing.T) {
	kbDir, src := shipped()
	kb, err := knowledge.Load(kbDir, src)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range knowledge.Problems(knowledge.Ground(kb, kbDir)) {
		t.Error(p)
	}
}

func TestFreshness(t *testing.T) {
	now := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	entry := func(reviewed, asOf, answer string) string {
		s := `entries:
  - id: muse
    title: {ja: ミューズ, en: Muse}
    questions: {ja: [ミューズ細胞とは], en: [what are muse cells]}
    sources: [press]
    answer:
      ja: |-
        ` + answer + `
      en: |-
        Five patients took part.
    reviewed: ` + reviewed + "\n"
		if asOf != "" {
			s += "    as_of: \"" + asOf + "\"\n"
		}
		return s
	}
	for _, tc := range []struct {
		name, reviewed, asOf, answer string
		maxAge                       time.Duration
		warn                         []string
		err                          string
	}{
		{name: "fresh", reviewed: "2026-10-01", answer: "5人"},
		{name: "reviewed long ago", reviewed: "2026-01-02", answer: "5人",
			warn: []string{`kb/entries.yaml:11: entry "muse": reviewed 2026-01-02, 323 days ago (more than 180): check it against its sources and update reviewed`}},
		{name: "a shorter maximum age", reviewed: "2026-10-01", answer: "5人", maxAge: 30 * 24 * time.Hour,
			warn: []string{`kb/entries.yaml:11: entry "muse": reviewed 2026-10-01, 51 days ago (more than 30): check it against its sources and update reviewed`}},
		{name: "reviewed in the future", reviewed: "2027-01-01", answer: "5人",
			warn: []string{`kb/entries.yaml:11: entry "muse": reviewed 2027-01-01 is a date still to come`}},
		{name: "time-bound without as_of", reviewed: "2026-11-01", answer: "2025年時点で進行中",
			warn: []string{`kb/entries.yaml:8: entry "muse": the ja answer is time-bound ("時点") but the entry has no as_of date`}},
		{name: "a recent as_of", reviewed: "2026-11-01", asOf: "2026-09", answer: "2026年9月時点で進行中"},
		{name: "an old as_of year counts from its end", reviewed: "2026-11-01", asOf: "2025", answer: "2025年時点で進行中",
			warn: []string{`kb/entries.yaml:12: entry "muse": the answer is true as of 2025, 325 days ago (more than 180): check that it still holds, then re-date as_of (or say what changed)`}},
		{name: "an as_of that is no date", reviewed: "2026-11-01", asOf: "2025年", answer: "進行中",
			err: `kb/entries.yaml:12: entry "muse": as_of: "2025年" is not a date (write YYYY, YYYY-MM or YYYY-MM-DD)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := knowledge.Dir{FS: fstest.MapFS{"entries.yaml": {Data: []byte(entry(tc.reviewed, tc.asOf, tc.answer))}, "rest.yaml": {Data: []byte(groundRest)}}, Path: "kb"}
			src := knowledge.Dir{FS: fstest.MapFS{"press.yaml": {Data: []byte(pressSource)}}, Path: "seeds"}
			kb, err := knowledge.Load(d, src)
			if err != nil {
				t.Fatal(err)
			}
			warnings, err := knowledge.Freshness(kb, d, now, tc.maxAge)
			var got []string
			for _, w := range warnings {
				got = append(got, w.Error())
			}
			if strings.Join(got, "\n") != strings.Join(tc.warn, "\n") {
				t.Errorf("warnings:\n  got  %q\n  want %q", got, tc.warn)
			}
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if gotErr != tc.err {
				t.Errorf("error: got %q, want %q", gotErr, tc.err)
			}
		})
	}
}

// BenchmarkGround grounds the whole shipped knowledge base, as validate does.
func BenchmarkGround(b *testing.B) {
	kbDir, src := shipped()
	kb, err := knowledge.Load(kbDir, src)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := knowledge.Ground(kb, kbDir); err != nil {
			b.Fatal(err)
		}
	}
}
