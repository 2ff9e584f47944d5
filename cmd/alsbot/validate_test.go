package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A small knowledge base on disk, for the maintainer commands: two
// entries with nothing in common, citing a press release.
const (
	diskEntries = `entries:
  - id: muse
    topic: muse
    title: {ja: ミューズ細胞の治験, en: The Muse trial}
    questions:
      ja: [ミューズ細胞の治験について]
      en: [muse cell trial]
    answer:
      ja: |-
        ミューズ細胞の治験には
        患者さん5人が参加しました。
      en: |-
        5 patients took part
        in the Muse trial.
    sources: [press]
    reviewed: REVIEWED
  - id: medium
    topic: conditioned-medium
    title: {ja: 培養上清液, en: Conditioned medium}
    questions:
      ja: [培養上清液の説明]
      en: [conditioned medium]
    answer: {ja: 上清液についての答えです, en: "Medium answer <b>*"}
    sources: [press]
    reviewed: REVIEWED
messages:
  fallback: {ja: わかりません, en: I do not know}
  clarify: {ja: どれですか, en: Which one}
  disclaimer: {ja: 一般的な情報です, en: General information}
  menu: {ja: メニュー, en: Menu}
  welcome: {ja: ようこそ, en: Welcome}
  text_only: {ja: 文字だけ, en: Text only}
  about: {ja: "このボットについて {clinic} {reviewed}", en: "About {clinic} {reviewed}"}
menu: [muse]
`
	diskSource = `id: press
kind: press-release
title: 岡山大学のプレスリリース
title_en: A press release
publisher: A University
date: 2023-12-21
url: https://example.org/press
lang: ja
facts:
  - 5 patients took part in the Muse trial.
`
)

// writeKB writes the small knowledge base under a temporary directory as
// DIR/knowledge and DIR/seeds, with entries edited by edit, and returns
// the knowledge directory (its seeds are found beside it).
func writeKB(t *testing.T, reviewed string, edit func(string) string) string {
	t.Helper()
	dir := t.TempDir()
	kb, src := filepath.Join(dir, "knowledge"), filepath.Join(dir, "seeds")
	for _, d := range []string{kb, src} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	entries := strings.ReplaceAll(diskEntries, "REVIEWED", reviewed)
	if edit != nil {
		entries = edit(entries)
	}
	if err := os.WriteFile(filepath.Join(kb, "kb.yaml"), []byte(entries), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "press.yaml"), []byte(diskSource), 0o644); err != nil {
		t.Fatal(err)
	}
	return kb
}

func today() string { return time.Now().Format(time.DateOnly) }

func TestValidateGroundsFigures(t *testing.T) {
	kb := writeKB(t, today(), func(s string) string { return strings.Replace(s, "患者さん5人", "患者さん6人", 1) })
	out, _, err := runCmd(t, "", nil, "validate", "--kb", kb)
	if err != errInvalid {
		t.Fatalf("validate: %v\n%s", err, out)
	}
	want := filepath.ToSlash(kb) + "/kb.yaml:11: 6 is in no cited source (press)"
	if !strings.Contains(out, want) {
		t.Errorf("validate output lacks %q:\n%s", want, out)
	}
}

func TestValidateFreshness(t *testing.T) {
	old := time.Now().AddDate(0, 0, -200).Format(time.DateOnly)
	recent := time.Now().AddDate(0, 0, -20).Format(time.DateOnly)
	for _, tc := range []struct {
		name     string
		reviewed string
		args     []string
		fail     bool
		warnings int
	}{
		{"fresh", today(), nil, false, 0},
		{"stale: a warning", old, nil, false, 2},
		{"stale and strict: a failure", old, []string{"--strict"}, true, 2},
		{"a longer max-age", old, []string{"--strict", "--max-age", "30w"}, false, 0},
		{"a shorter max-age", recent, []string{"--max-age", "14d"}, false, 2},
		{"fresh and strict", recent, []string{"--strict"}, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kb := writeKB(t, tc.reviewed, nil)
			out, errOut, err := runCmd(t, "", nil, append([]string{"validate", "--kb", kb}, tc.args...)...)
			if (err != nil) != tc.fail {
				t.Errorf("error %v, want failure %v\n%s%s", err, tc.fail, out, errOut)
			}
			if n := strings.Count(errOut, ": warning: "); n != tc.warnings {
				t.Errorf("%d warnings, want %d:\n%s", n, tc.warnings, errOut)
			}
			if tc.warnings > 0 && !strings.Contains(errOut, `kb.yaml:16: warning: entry "muse": reviewed `+tc.reviewed) {
				t.Errorf("the warning does not point at the reviewed line:\n%s", errOut)
			}
		})
	}
}

func TestValidateRejectsABadMaxAge(t *testing.T) {
	if _, _, err := runCmd(t, "", nil, "validate", "--max-age", "soon"); err != errUsage {
		t.Errorf("got %v", err)
	}
}

func TestParseAge(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		bad  bool
	}{
		{"7d", 7 * 24 * time.Hour, false},
		{"2w", 14 * 24 * time.Hour, false},
		{"36h", 36 * time.Hour, false},
		{"90", 90 * 24 * time.Hour, false},
		{"1.5d", 36 * time.Hour, false},
		{"0d", 0, true},
		{"-3d", 0, true},
		{"soon", 0, true},
		{"", 0, true},
	} {
		got, err := parseAge(tc.in)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("parseAge(%q) = %v, %v", tc.in, got, err)
		}
	}
}
