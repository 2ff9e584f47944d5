package knowledge_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"alsbot/knowledge"
)

func shipped() (knowledge.Dir, knowledge.Dir) {
	return knowledge.Shipped()
}

func TestShippedKnowledgeBaseLoads(t *testing.T) {
	kb, err := knowledge.Load(shipped())
	if err != nil {
		t.Fatalf("the shipped knowledge base has problems:\n%v", err)
	}
	if len(kb.Entries) < 30 {
		t.Errorf("%d entries, want the 30 topics of the sources", len(kb.Entries))
	}
	for _, e := range kb.Entries {
		for _, id := range e.Sources {
			if s, _ := kb.Source(id); s.Title == "" {
				t.Errorf("entry %s cites %s, which has no title", e.ID, id)
			}
		}
	}
}

// A minimal valid knowledge base, to break one piece at a time.
const (
	goodSource = `id: press
kind: press-release
title: A press release
publisher: A University
date: 2023-12-21
url: https://example.org/press
lang: ja
facts:
  - 5 patients took part.
`
	goodEntries = `entries:
  - id: one
    title: {ja: 一つ目, en: First}
    questions:
      ja: [ミューズ細胞とは]
      en: [what are muse cells]
    answer: {ja: 答え, en: Answer}
    sources: [press]
    reviewed: 2026-11-21
  - id: two
    title: {ja: 二つ目, en: Second}
    questions:
      ja: [上清液とは]
      en: [what is conditioned medium]
    answer: {ja: 答え, en: Answer}
    sources: [press]
    related: [one]
    reviewed: 2026-11-21
`
	goodRest = `rules:
  - id: emergency
    patterns: {ja: [息ができない], en: [cant breathe]}
    reply: {ja: 119へ, en: Call 119}
messages:
  fallback: {ja: わかりません, en: "Sorry"}
  clarify: {ja: どれ, en: "Which one"}
  disclaimer: {ja: 注意, en: Notice}
  menu: {ja: メニュー, en: Menu}
  welcome: {ja: ようこそ, en: Welcome}
  text_only: {ja: 文字だけ, en: Text only}
  about: {ja: "このボットについて {clinic} {reviewed}", en: "About {clinic} {reviewed}"}
menu: [one]
`
)

// topicsAndCost declares a topic and a facet, for the entries' checks.
const topicsAndCost = `topics:
  - id: muse
    title: {ja: ミューズ細胞, en: Muse cells}
    anchors: [muse, ミューズ]
facets:
  - id: cost
    title: {ja: 費用, en: cost}
    cues: {ja: [費用], en: [cost]}
`

func load(t *testing.T, entries, rest, source string) error {
	t.Helper()
	kb := fstest.MapFS{
		"entries.yaml": {Data: []byte(entries)},
		"rest.yaml":    {Data: []byte(rest)},
	}
	src := fstest.MapFS{"press.yaml": {Data: []byte(source)}}
	_, err := knowledge.Load(knowledge.Dir{FS: kb, Path: "kb"}, knowledge.Dir{FS: src, Path: "seeds"})
	return err
}

func TestMinimalKnowledgeBaseLoads(t *testing.T) {
	if err := load(t, goodEntries, goodRest, goodSource); err != nil {
		t.Fatal(err)
	}
}

// TestProblemsNameFileAndLine breaks the knowledge base in the ways a
// maintainer might, and checks each is reported where it is.
func TestProblemsNameFileAndLine(t *testing.T) {
	long := strings.Repeat("長", knowledge.MaxAnswerUnits+1)
	tests := []struct {
		name                  string
		entries, rest, source string
		want                  string
	}{
		{"syntax error", goodEntries + "  - id: [unclosed\n", goodRest, goodSource, "did not find expected"},
		{"unknown key", strings.Replace(goodEntries, "    reviewed: 2026-11-21\n  - id: two", "    reviewd: 2026-11-21\n  - id: two", 1), goodRest, goodSource, `kb/entries.yaml:9: unknown key "reviewd"`},
		{"duplicate id", strings.Replace(goodEntries, "id: two", "id: one", 1), goodRest, goodSource, `kb/entries.yaml:10: duplicate entry id "one" (first at kb/entries.yaml:2)`},
		{"missing en answer", strings.Replace(goodEntries, "answer: {ja: 答え, en: Answer}", "answer: {ja: 答え}", 1), goodRest, goodSource, `kb/entries.yaml:7: entry "one": answer has no en text`},
		{"a bare no", strings.Replace(goodEntries, "answer: {ja: 答え, en: Answer}", "answer: {ja: 答え, en: \"No. It is not.\"}", 1), goodRest, goodSource, `kb/entries.yaml:7: entry "one": the en answer opens with a bare no ("no.")`},
		{"a bare いいえ", strings.Replace(goodEntries, "answer: {ja: 答え, en: Answer}", "answer: {ja: いいえ、治りません, en: Answer}", 1), goodRest, goodSource, `entry "one": the ja answer opens with a bare no ("いいえ、")`},
		{"a number not in the register", goodEntries, strings.Replace(goodRest, "    reply: {ja: 119へ, en: Call 119}", "    reply: {ja: 119へ, en: Call 119}\n    calls: [{number: \"119\", label: {ja: 119番, en: Call 119}}]", 1), goodSource,
			`kb/rest.yaml:5: rule "emergency" gives 119, which the register of help lines (help_lines) does not list`},
		{"a help line never checked", goodEntries, goodRest + "help_lines:\n  - number: \"119\"\n    name: {ja: 119番, en: \"119\"}\n    operator: fire\n    page: https://example.org\n    hours: {ja: 24時間, en: 24 hours}\n    checked: soon\n    checked_at: []\n", goodSource,
			`help line 119: checked "soon" is not a date`},
		{"no sources", strings.Replace(goodEntries, "    sources: [press]\n    reviewed: 2026-11-21\n  - id: two", "    reviewed: 2026-11-21\n  - id: two", 1), goodRest, goodSource, `kb/entries.yaml:2: entry "one" cites no source`},
		{"unknown source", strings.Replace(goodEntries, "sources: [press]", "sources: [pres]", 1), goodRest, goodSource, `kb/entries.yaml:8: entry "one" cites unknown source "pres"`},
		{"unknown related", strings.Replace(goodEntries, "related: [one]", "related: [three]", 1), goodRest, goodSource, `kb/entries.yaml:17: entry "two": related entry "three" does not exist`},
		{"bad pattern", goodEntries, strings.Replace(goodRest, "[息ができない]", "[息が(できない]", 1), goodSource, `kb/rest.yaml:3: rule "emergency": pattern "息が(できない" does not compile`},
		{"bad concept word", goodEntries, strings.Replace(goodRest, "    patterns: {ja: [息ができない], en: [cant breathe]}\n", "    patterns: {ja: [息ができない], en: [cant breathe]}\n    concepts: [[breath, unable]]\n", 1) +
			"lexicons:\n  - {name: breath, words: [息, breath]}\n  - {name: unable, words: [\"でき(ない\", cant]}\n", goodSource, `rule "emergency": concept [breath unable] does not compile: "でき(ない"`},
		{"answer too long", strings.Replace(goodEntries, "answer: {ja: 答え, en: Answer}", "answer: {ja: "+long+", en: Answer}", 1), goodRest, goodSource, `kb/entries.yaml:7: entry "one": ja answer is 5001 UTF-16 units`},
		{"reading not kana", strings.Replace(goodEntries, "    reviewed: 2026-11-21\n  - id: two", "    readings: [Muse]\n    reviewed: 2026-11-21\n  - id: two", 1), goodRest, goodSource, `kb/entries.yaml:9: entry "one": reading "Muse" is not written in hiragana`},
		{"source without facts", goodEntries, goodRest, strings.Replace(goodSource, "facts:\n  - 5 patients took part.\n", "", 1), `seeds/press.yaml:1: source "press" lists no facts`},
		{"menu names unknown entry", goodEntries, strings.Replace(goodRest, "menu: [one]", "menu: [nine]", 1), goodSource, `kb/rest.yaml:13: menu names unknown entry "nine"`},
		{"symbol with a letter", goodEntries, goodRest + "symbols:\n  \"🙏\": ありがとう\n  \"ok👍\": わかりました\n", goodSource, `kb/rest.yaml:16: symbols: "ok👍" has a letter or digit in it`},
		{"symbol read as nothing", goodEntries, goodRest + "symbols:\n  \"🙏\": \" \"\n", goodSource, `kb/rest.yaml:15: symbols: "🙏" is read as nothing`},
		{"filler listed twice", goodEntries, goodRest + "fillers:\n  - 母が\n  - explain\n  - Explain\n", goodSource, `kb/rest.yaml:17: fillers: "Explain" is listed twice (first at kb/rest.yaml:16)`},
		{"silent on a facet it answers", strings.Replace(goodEntries, "    sources: [press]\n    reviewed: 2026-11-21\n  - id: two", "    topic: muse\n    facets: [cost]\n    silent_on: [cost]\n    sources: [press]\n    reviewed: 2026-11-21\n  - id: two", 1), goodRest + topicsAndCost, goodSource,
			`kb/entries.yaml:10: entry "one" both answers facet "cost" and is silent on it`},
		{"silent on an unknown facet", strings.Replace(goodEntries, "    sources: [press]\n    reviewed: 2026-11-21\n  - id: two", "    topic: muse\n    facets: [cost]\n    silent_on: [price]\n    sources: [press]\n    reviewed: 2026-11-21\n  - id: two", 1), goodRest + topicsAndCost, goodSource,
			`kb/entries.yaml:10: entry "one": silent_on facet "price" is not declared`},
		{"a facet implying an unknown topic", strings.Replace(goodEntries, "    sources: [press]\n    reviewed: 2026-11-21\n  - id: two", "    topic: muse\n    facets: [cost]\n    sources: [press]\n    reviewed: 2026-11-21\n  - id: two", 1), goodRest + strings.Replace(topicsAndCost, "  - id: cost\n", "  - id: cost\n    implies: cm\n", 1), goodSource,
			`facet "cost" implies topic "cm", which is not declared`},
		{"a facet combining one no one declared", goodEntries, goodRest + strings.Replace(topicsAndCost, "  - id: cost\n", "  - id: cost\n    combines: [[when, approval]]\n", 1), goodSource,
			`facet "cost" combines "when", which is not another facet declared`},
		{"a facet combining itself alone", goodEntries, goodRest + strings.Replace(topicsAndCost, "  - id: cost\n", "  - id: cost\n    combines: [[cost]]\n", 1), goodSource,
			`facet "cost": combination 1 names 1 facet(s): it needs two or more`},
		{"an entry answering a facet another topic implies", strings.Replace(goodEntries, "    sources: [press]\n    reviewed: 2026-11-21\n  - id: two", "    topic: muse\n    facets: [cost]\n    sources: [press]\n    reviewed: 2026-11-21\n  - id: two", 1), goodRest + strings.NewReplacer("  - id: cost\n", "  - id: cost\n    implies: cm\n", "facets:\n", "  - id: cm\n    title: {ja: 上清液, en: CM}\n    anchors: [上清液]\nfacets:\n").Replace(topicsAndCost), goodSource,
			`entry "one" answers facet "cost", which implies topic "cm"`},
		{"missing message", goodEntries, strings.Replace(goodRest, "  welcome: {ja: ようこそ, en: Welcome}\n", "", 1), goodSource, `kb/rest.yaml:`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := load(t, tt.entries, tt.rest, tt.source)
			if err == nil {
				t.Fatal("loaded without problems")
			}
			var lines []string
			for _, p := range knowledge.Problems(err) {
				lines = append(lines, p.Error())
			}
			for _, l := range lines {
				if strings.Contains(l, tt.want) && strings.Contains(l, ".yaml:") {
					return
				}
			}
			t.Errorf("no problem reads %q; got:\n%s", tt.want, strings.Join(lines, "\n"))
		})
	}
}

// FuzzLoad feeds arbitrary text as a knowledge-base file: the loader must
// never panic, and every problem it reports must name a file.
func FuzzLoad(f *testing.F) {
	f.Add(goodEntries)
	f.Add(goodRest)
	f.Add("entries:\n  - id: x\n    title: {ja: [1]}\n")
	f.Add("rules:\n  - id: r\n    patterns: {ja: ['(']}\n")
	f.Add(": : :\n\t- [")
	f.Add("facets:\n  - id: f\n    combines: [[f], [], [g, [h]]]\n")
	f.Fuzz(func(t *testing.T, data string) {
		kb := fstest.MapFS{"a.yaml": {Data: []byte(data)}, "rest.yaml": {Data: []byte(goodRest)}}
		src := fstest.MapFS{"press.yaml": {Data: []byte(goodSource)}}
		_, err := knowledge.Load(knowledge.Dir{FS: kb, Path: "kb"}, knowledge.Dir{FS: src, Path: "seeds"})
		for _, p := range knowledge.Problems(err) {
			if p.Pos.File == "" {
				t.Errorf("problem without a file: %v", p)
			}
		}
	})
}

// A syntax error is reported at the line to fix: an unclosed "[" at its
// own line, a key dedented out of its list item at that key.
func TestSyntaxErrorsAtTheirLine(t *testing.T) {
	for _, tt := range []struct {
		name, old, new string
		line           int
	}{
		{"unclosed [", "      en: [what are muse cells]\n", "      en: [what are muse cells\n", 6},
		{"key out of its item", "    sources: [press]\n    reviewed: 2026-11-21\n  - id: two", "    sources: [press]\n  reviewed: 2026-11-21\n  - id: two", 9},
	} {
		t.Run(tt.name, func(t *testing.T) {
			entries := strings.Replace(goodEntries, tt.old, tt.new, 1)
			if entries == goodEntries {
				t.Fatal("the edit did not apply")
			}
			err := load(t, entries, goodRest, goodSource)
			ps := knowledge.Problems(err)
			if len(ps) != 1 || ps[0].Pos.Line != tt.line {
				t.Fatalf("problems %v, want one at line %d", err, tt.line)
			}
		})
	}
}

// The clinic's contact names its phone and hours once filled in, and only
// its name while it is the placeholder.
func TestClinicContact(t *testing.T) {
	c := knowledge.Clinic{Name: knowledge.Text{JA: "みどり脳神経クリニック", EN: "Midori Neurology Clinic"},
		Phone: "086-000-0000", Hours: knowledge.Text{JA: "平日9時〜17時", EN: "weekdays 9:00–17:00"}}
	if got := c.Contact("ja"); got != "みどり脳神経クリニック（電話 086-000-0000、受付 平日9時〜17時）" {
		t.Errorf("ja: %q", got)
	}
	if got := c.Contact("en"); got != "Midori Neurology Clinic (phone 086-000-0000, weekdays 9:00–17:00)" {
		t.Errorf("en: %q", got)
	}
	c.Placeholder = true
	if got := c.Contact("en"); got != "Midori Neurology Clinic" {
		t.Errorf("a placeholder gives %q; want the name alone", got)
	}
	kb, err := knowledge.LoadShipped()
	if err != nil {
		t.Fatal(err)
	}
	if !kb.Clinic.Placeholder || kb.Clinic.Pos.Line == 0 {
		t.Errorf("the shipped profile: %+v", kb.Clinic)
	}
}
