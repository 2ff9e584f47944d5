package knowledge_test

import (
	"strings"
	"testing"

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
