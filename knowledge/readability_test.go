package knowledge_test

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"alsbot/knowledge"
)

// TestReadabilityWarnsAboutDenseAnswers: an answer written in a wall of
// kanji is a warning at its line; the same facts with kana are not.
func TestReadabilityWarnsAboutDenseAnswers(t *testing.T) {
	dense := "孤発性筋萎縮性側索硬化症患者5人対象第2相探索的非盲検単施設試験実施。"
	plain := "家族にALSの人がいないタイプの患者さん5人が参加した、少ない人数で安全かどうかを確かめる試験です。"
	kb, d := groundKB(t, dense, "Five patients took part.", "press")
	w := knowledge.Readability(kb, d)
	if len(w) != 1 || !strings.Contains(w[0].Error(), `kb/entries.yaml:8: entry "muse": the ja answer is`) {
		t.Fatalf("warnings %v; want one at the ja answer's line", w)
	}
	kb, d = groundKB(t, plain, "Five patients took part.", "press")
	if w := knowledge.Readability(kb, d); len(w) != 0 {
		t.Errorf("a plain answer warned: %v", w)
	}
	if s := knowledge.KanjiShare(dense); s < 0.9 {
		t.Errorf("KanjiShare(dense) = %.2f", s)
	}
}

// TestShippedAnswersAreReadable: no shipped Japanese answer is denser in
// kanji than validate allows.
func TestShippedAnswersAreReadable(t *testing.T) {
	kbDir, src := shipped()
	kb, err := knowledge.Load(kbDir, src)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range knowledge.Readability(kb, kbDir) {
		t.Error(w)
	}
}

// TestHelpLineChecksGrowOld: a help line checked long ago, or only on
// other sites than its operator's, is a warning that names the page to
// check it on.
func TestHelpLineChecksGrowOld(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	line := func(checked string, operator bool) string {
		return "help_lines:\n  - number: 0120-000-000\n    name: {ja: 相談, en: A line}\n    operator: someone\n    page: https://example.org/line\n" +
			"    hours: {ja: 24時間, en: 24 hours}\n    checked: " + checked + "\n    checked_at: [https://example.org/news]\n    operator_checked: " + map[bool]string{true: "true", false: "false"}[operator] + "\n"
	}
	for _, tc := range []struct {
		name, checked string
		operator      bool
		want          string
	}{
		{"fresh, on the operator's page", "2026-11-01", true, ""},
		{"old", "2026-01-01", true, "checked 2026-01-01, 334 days ago (more than 180): check its number, hours and cost again on https://example.org/line"},
		{"only on other sites", "2026-11-01", false, "checked only against other sites' pages; check it on the operator's own page (https://example.org/line)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := knowledge.Dir{FS: fstest.MapFS{"entries.yaml": {Data: []byte(goodEntries)}, "rest.yaml": {Data: []byte(goodRest + line(tc.checked, tc.operator))}}, Path: "kb"}
			kb, err := knowledge.Load(d, knowledge.Dir{FS: fstest.MapFS{"press.yaml": {Data: []byte(goodSource)}}, Path: "seeds"})
			if err != nil {
				t.Fatal(err)
			}
			w, _ := knowledge.Freshness(kb, d, now, 0)
			var got []string
			for _, p := range w {
				if strings.Contains(p.Msg, "help line") {
					got = append(got, p.Error())
				}
			}
			switch {
			case tc.want == "" && len(got) != 0:
				t.Errorf("warned: %v", got)
			case tc.want != "" && (len(got) != 1 || !strings.Contains(got[0], tc.want) || !strings.HasPrefix(got[0], "kb/rest.yaml:")):
				t.Errorf("warnings %v; want one at its line saying %q", got, tc.want)
			}
		})
	}
}
