package bot

import (
	"testing"
	"unicode/utf8"

	"alsbot/knowledge"
)

func shippedIndex(t testing.TB) *index { return shippedTestBot(t).ix }

func shippedTestBot(t testing.TB) *Bot {
	t.Helper()
	kb, err := knowledge.LoadShipped()
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(kb)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRead checks how the bot reads what people type: English typos
// corrected to words the knowledge base has, romaji read as kana, slipped
// kanji fixed, and everything else left alone.
func TestRead(t *testing.T) {
	ix := shippedIndex(t)
	for _, tc := range []struct {
		in, want string
		romaji   bool
	}{
		{"muse trail results", "muse trial results", false},
		{"condtioned medium", "conditioned medium", false},
		{"umbilcal cord", "umbilical cord", false},
		{"stem cel therapy", "stem cell therapy", false},
		{"stemcell treatments", "stem cell treatments", false},
		{"bosutnib study", "bosutinib study", false},
		{"thanks! and what is STR03?", "thanks and what is str03", false},
		{"myu-zu saibou no chiken kekka", "みゅずさいぼうのちけんけっか", true},
		{"ips saibou tte nani", "ips さいぼうってなに", true},
		{"baiyou jouseieki towa", "ばいようじょうせいえきとは", true},
		{"konnichiwa", "こんにちわ", true},
		{"hyojun chiryo", "ひょうじゅんちりょう", true},
		{"tōyo", "とうよ", true},
		// English the index lacks stays English: it must count against
		// a match, not vanish as unknown kana.
		{"Lou Gehrig batting average", "lou gehrig batting average", false},
		// A filler's words are left as typed, so that the filler is
		// still blanked: not "under stand", nor a line made "life".
		{"help me understand what ips cells are", "help me understand what ips cells are", false},
		{"muse cells in one line", "muse cells in one line", false},
		{"培養上生液とは", "培養上清液とは", false},
		{"ミューズ細胞の治検結果", "ミュズ細胞の治験結果", false},
		{"歯随由来の上清液", "歯髄由来の上清液", false},
		{"京都大学の学費", "京都大学の学費", false},
	} {
		got, romaji := ix.read(appendNormalized(nil, tc.in, false))
		if string(got) != tc.want || romaji != tc.romaji {
			t.Errorf("read(%q) = %q, romaji %v; want %q, %v", tc.in, string(got), romaji, tc.want, tc.romaji)
		}
	}
}

// TestEnglishWithAPlaceNameStaysEnglish: one romaji-like word does not
// make an English question Japanese, so the reply stays in English.
func TestEnglishWithAPlaceNameStaysEnglish(t *testing.T) {
	ix := shippedIndex(t)
	if _, romaji := ix.read(appendNormalized(nil, "Can I get conditioned medium therapy in Tokyo?", false)); romaji {
		t.Error("an English question naming Tokyo was taken for romaji")
	}
	b := shippedTestBot(t)
	if r := b.Ask(t.Context(), Question{Text: "Can I get conditioned medium therapy in Tokyo?"}); r.Lang != "en" {
		t.Errorf("reply language %s, want en", r.Lang)
	}
}

func TestToKana(t *testing.T) {
	for in, want := range map[string]string{
		"kekka": "けっか", "shinbun": "しんぶん", "shimbun": "しんぶん", "chiryou": "ちりょう",
		"tyiryou": "", "kinisyuku": "きにしゅく", "jyousei": "じょうせい", "matcha": "まっちゃ",
		"xyz": "",
	} {
		got, ok := toKana(in)
		if want == "" {
			if ok {
				t.Errorf("toKana(%q) = %q, want no reading", in, got)
			}
			continue
		}
		if got != want {
			t.Errorf("toKana(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzRead(f *testing.F) {
	ix := shippedIndex(f)
	for _, s := range []string{"muse trail", "myu-zu saibou", "培養上生液", "ﾐｭｰｽﾞ ﾁｹﾝ", "nn'n", "ab cd ef gh"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		raw := appendNormalized(nil, s, false)
		before := string(raw)
		got, _ := ix.read(raw)
		if string(raw) != before {
			t.Fatalf("read changed its input %q to %q", before, string(raw))
		}
		if !utf8.ValidString(string(got)) {
			t.Fatalf("read(%q) gave invalid UTF-8", s)
		}
		ix.search(ix.parseRead(got), 4)
		if k := allKana(raw); k != nil && !utf8.ValidString(string(k)) {
			t.Fatalf("allKana(%q) gave invalid UTF-8", s)
		}
	})
}
