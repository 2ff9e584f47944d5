package bot_test

import (
	"context"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"alsbot/bot"
	"alsbot/knowledge"
	"alsbot/seeds"
)

// Within a topic the question names, the facet it asks chooses the
// sibling, whatever other words it has.
func TestTheFacetChoosesTheSibling(t *testing.T) {
	b := shippedBot(t)
	for _, tt := range []struct{ q, entry string }{
		{"Muse治験の責任医師は？", "muse-trial-design"},
		{"ミューズの治験って何人参加したの", "muse-trial-design"},
		{"ミューズ細胞の治験の副作用はどうだった", "muse-trial-safety"},
		{"muse trial dosing schedule - how many infusions total?", "muse-how-given"},
		{"who funded the Muse trial?", "muse-funding"},
		{"what is STR03 made from", "trial-str03"},
		// Where the information comes from is the general entry's,
		// whichever document the asker names.
		{"What are your sources? press release or a blog?", "about-sources"},
		{"この答え、岡山大学の発表がもとになってるの？", "about-sources"},
		{"is this from a real paper or just some clinic blog?", "about-sources"},
		{"歯髄と臍帯、どっちの上清液が効くの？", "cm-pulp-vs-cord"},
		{"へその緒から取った上清液のマウス実験は？", "cm-umbilical"},
		// Two kinds asked together: the entry on both, not either one's.
		{"歯髄由来も臍帯由来も、幹細胞の上清液なんですか？", "cm-pulp-vs-cord"},
		// An overview of several topics at once: the general overview,
		// not one topic's.
		{"CMとiPSの研究、ざっくりまとめて教えて", "stem-cell-overview"},
	} {
		r := ask(b, tt.q)
		if r.Kind != bot.KindAnswer || r.Entry != tt.entry {
			t.Errorf("%q: got %s %s (%s), want %s", tt.q, r.Kind, r.Entry, r.Reason, tt.entry)
		}
	}
}

// A facet that no entry of the named topic answers gets an honest reply
// about that topic, with what the sources do say of it: never a sibling.
func TestAFacetTheSourcesDoNotAnswerIsSaidSo(t *testing.T) {
	b := shippedBot(t)
	for _, tt := range []struct{ q, lang, says, offers string }{
		{"STR03の副作用は？", "ja", "STR03", "trial-str03"},
		{"How much does conditioned medium treatment cost?", "en", "before paying", "cm-what"},
		{"ミューズ細胞の治療って詐欺じゃないの？", "ja", "主治医", "muse-what"},
		{"ALSの原因は？", "ja", "原因", "als-what"},
		// A date asked in passing: the sources give none.
		{"山中先生がノーベル賞とったのは何年？", "ja", "年や時期", "ips-what"},
		{"When did Yamanaka win the Nobel prize?", "en", "dates", "ips-what"},
		// Details of a topic its sources do not give, asked in the
		// topic's own words: the entry that comes closest is offered.
		{"上清液の投与量は1回何mlですか？", "ja", "投与する量", "cm-human"},
		{"上清液って鼻から何回入れるの？週に何回？", "ja", "回数", "cm-human"},
		{"How long does each Muse infusion take?", "en", "how long each session takes", "muse-how-given"},
		{"What were the Muse trial results at 24 months?", "en", "the long term", "muse-trial-efficacy"},
		{"How long is the waiting list for the STR03 trial?", "en", "waiting", "trial-str03"},
		{"ミューズの治験に参加した人って何歳くらいやったん？", "ja", "年齢", "muse-trial-design"},
		// The lowest age one study gives is no answer to the highest.
		{"乳歯の上清液の臨床研究は何歳まで入れる？", "ja", "年齢の上限", "trial-ufactor"},
		{"Upper age limit for the U-Factor study?", "en", "no upper age", "trial-ufactor"},
		{"When will the next Muse trial start?", "en", "future dates", "muse-next-steps"},
		// A count asked of what comes next is not the finished trial's.
		{"How many patients will the next Muse trial have?", "en", "how many people", "muse-next-steps"},
		{"次のミューズの二重盲検の試験は何人でやるん？", "ja", "人数", "muse-next-steps"},
		{"STR03の参加人数は？どこの病院でやっとるん？", "ja", "STR03", "trial-str03"},
		{"ALSFRS-Rの満点は何点？", "ja", "満点", "alsfrs-r"},
		{"Is there a conditioned medium trial running in the US?", "en", "other countries", "cm-human"},
		{"U-Factorと連携してるクリニックの名前を教えて", "ja", "施設の名前", "trial-ufactor"},
		// Where a treatment is given, asked of a topic no source names a
		// place for: the honest reply, offering how to take part when the
		// whole question bears it out.
		{"iPS細胞の移植治療、どこの病院で受けれますか", "ja", "施設の名前", "ips-als"},
		{"上清液を受けられるクリニックを教えて", "ja", "施設の名前", "how-to-join"},
		{"上清液は大阪だとどこのクリニックで受けられる？", "ja", "jRCT", "how-to-join"},
		{"Muse細胞を発見したのは誰ですか？", "ja", "発見", "muse-trial-design"},
		// A topic of one entry, whose answer says that the results
		// are not given: the honest reply, offering that entry.
		{"ロピニロールって結局効果あったの？", "ja", "効果や結果", "ropinirole-trial"},
		{"Does bosutinib work for ALS?", "en", "results", "bosutinib-trial"},
		{"STR03の結果はもう出た？", "ja", "STR03", "trial-str03"},
		// Whether a study is recruiting now: no source says.
		{"Muse細胞の治験って今も患者募集してますか", "ja", "募集状況", "muse-trial-design"},
		{"Is the ropinirole trial still recruiting?", "en", "recruitment", "ropinirole-trial"},
		{"Muse trial 3-year follow-up results?", "en", "the long term", "muse-trial-efficacy"},
		// A name, a cost or a count that decides what is asked, and
		// that no entry gives.
		{"which drugs slow ALS down right now? names pls", "en", "ALS", "als-cure"},
		{"Muse細胞の治療費はどれくらい？", "ja", "費用", "muse-trial-efficacy"},
		{"Muse細胞って1回に何個くらいの細胞を入れるの？", "ja", "投与する量", "muse-how-given"},
		// When what comes next will come: no source gives a date.
		{"Muse細胞はいつ承認されるの？何年後？", "ja", "これから先の時期", "muse-next-steps"},
		{"When will iPS cell therapy for ALS be available?", "en", "future dates", "ips-als"},
		// A general entry that says the sources give no cost does not
		// answer for a clinic abroad.
		{"How much does stem cell therapy cost at clinics in Mexico?", "en", "other countries", "how-to-join"},
		{"ALSFRS-Rが何点になったら重症なん？", "ja", "重症の目安", "alsfrs-r"},
		// Tumours are spoken of for conditioned medium only, not for
		// the cells themselves.
		{"Can Muse cells form tumours?", "en", "the risk of tumours", "muse-trial-safety"},
		{"ミューズ細胞入れたらがんになったりせんの？", "ja", "腫瘍（がん）", "muse-trial-safety"},
		// A phone number: where to find one, not only "ask your doctor".
		{"ユーファクターの臨床研究の問い合わせ電話番号は？", "ja", "jRCT", "trial-ufactor"},
	} {
		r := ask(b, tt.q)
		if r.Kind != bot.KindFallback || r.Reason != bot.ReasonNoFacet {
			t.Errorf("%q: got %s %s (%s), want the honest no-facet reply", tt.q, r.Kind, r.Entry, r.Reason)
			continue
		}
		if r.Lang != tt.lang || !strings.Contains(r.Text, tt.says) {
			t.Errorf("%q: reply in %s does not say %q:\n%s", tt.q, r.Lang, tt.says, r.Text)
		}
		if !containsEntry(r.Suggestions, tt.offers) {
			t.Errorf("%q: offers %+v, want %s among them", tt.q, r.Suggestions, tt.offers)
		}
	}
}

// The same details are answered where the sources give them.
func TestADetailTheSourcesGiveIsAnswered(t *testing.T) {
	b := shippedBot(t)
	answersEach(t, b, map[string]string{
		"ミューズ細胞は何回点滴するの？":                                      "muse-how-given",
		"How often was CL2020 given?":                          "muse-how-given",
		"U-Factorの研究は何歳から参加できる？":                               "trial-ufactor",
		"How old was the patient treated with dental pulp CM?": "cm-dental-pulp",
		"Muse細胞の治験はどこの病院でやったの？":                                "muse-trial-design",
		"iPS細胞を見つけたのは誰？":                                       "ips-what",
		// What a general entry says itself the sources do not give:
		// the entry, which says so, with the rest of what is asked.
		"母を治験に参加させたいです。費用はどのくらい？": "how-to-join",
		"再生医療は保険きくの？":             "standard-treatment",
	})
}

// A follow-up that asks a facet is answered in the topic of the answer
// before it: the Muse trial's safety after its results, and for STR03,
// whose sources say nothing of side effects, an honest reply.
func TestAFollowUpAsksAFacetOfTheLastTopic(t *testing.T) {
	b := shippedBot(t)
	ctx := context.Background()
	for _, tt := range []struct{ first, then, entry, reason string }{
		{"ミューズ細胞の治験の結果は？", "副作用は？", "muse-trial-safety", bot.ReasonTopicFacet},
		{"STR03とは？", "副作用は？", "", bot.ReasonNoFacet},
	} {
		conv := "test:" + tt.first
		b.Ask(ctx, bot.Question{Text: tt.first, Conversation: conv})
		r := b.Ask(ctx, bot.Question{Text: tt.then, Conversation: conv})
		if r.Entry != tt.entry || r.Reason != tt.reason {
			t.Errorf("%q after %q: got %s %q (%s), want %q (%s)", tt.then, tt.first, r.Kind, r.Entry, r.Reason, tt.entry, tt.reason)
		}
	}
}

// Adding an entry on a new topic does not take any other entry's example
// questions away from it.
func TestANewTopicBreaksNoOtherEntry(t *testing.T) {
	files := shippedFiles(t)
	files["edaravone.yaml"] = &fstest.MapFile{Data: []byte(`topics:
  - id: edaravone
    title: {ja: エダラボン, en: edaravone}
    anchors: [エダラボン, ラジカット, edaravone, Radicava]
entries:
  - id: edaravone-what
    topic: edaravone
    facets: [what, how-given]
    title: {ja: エダラボンとは, en: What edaravone is}
    questions:
      ja: [エダラボンとは何ですか, ラジカットってどんな薬？, エダラボンはどうやって使うの]
      en: [what is edaravone, how is Radicava given]
    keywords: [エダラボン, ラジカット, edaravone, Radicava]
    answer: {ja: 資料の言葉で書いた答え。, en: An answer in our own words.}
    sources: [okayama-muse-press-2023]
    reviewed: 2026-11-30
`)}
	kb, err := knowledge.Load(knowledge.Dir{FS: files, Path: "knowledge"}, knowledge.Dir{FS: seeds.Files, Path: "seeds"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := bot.New(kb)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Check(context.Background()); err != nil {
		t.Errorf("with a new topic, example questions go astray:\n%v", err)
	}
	if r := ask(b, "ラジカットってどんな薬？"); r.Entry != "edaravone-what" {
		t.Errorf("the new entry is not found: %s %s", r.Kind, r.Entry)
	}
}

func containsEntry(ss []bot.Suggestion, id string) bool {
	for _, s := range ss {
		if s.Entry == id {
			return true
		}
	}
	return false
}

// TestWhichIsBetterAcrossTopics: asked which of two topics is better, the
// bot answers neither: the sources do not compare them, it recommends
// none, and it offers what is known of each. Within one topic whose
// entry compares its kinds, that entry answers.
func TestWhichIsBetterAcrossTopics(t *testing.T) {
	b := shippedBot(t)
	for _, tc := range []struct {
		q       string
		entries []string
	}{
		{"上清液とミューズどっちがいい？", []string{"cm-what", "muse-what"}},
		{"which is better, conditioned medium or Muse cells?", []string{"cm-what", "muse-what"}},
		{"iPSと上清液、どっちがおすすめ？", []string{"ips-what", "cm-what"}},
		// Which works better, or how they differ, where no entry
		// speaks of both: not the difference between pulp and cord.
		{"上清液とMuse細胞、どっちが効くん？", []string{"cm-what", "muse-what"}},
		{"Is Muse therapy more effective than conditioned medium?", []string{"cm-what", "muse-what"}},
	} {
		r := ask(b, tc.q)
		var got []string
		for _, s := range r.Suggestions {
			got = append(got, s.Entry)
		}
		slices.Sort(got)
		want := slices.Sorted(slices.Values(tc.entries))
		if r.Kind != bot.KindFallback || r.Reason != bot.ReasonCompare || !slices.Equal(got, want) {
			t.Errorf("%q: %s %s (%s), offering %v; want the compare reply offering %v", tc.q, r.Kind, r.Entry, r.Reason, got, want)
		}
		if strings.Contains(r.Text, "{") {
			t.Errorf("%q: placeholder left in %q", tc.q, r.Text)
		}
	}
	if r := ask(b, "歯髄と臍帯どっちがいいの？"); r.Entry != "cm-pulp-vs-cord" {
		t.Errorf("pulp or cord: got %s %s, want the entry comparing them", r.Kind, r.Entry)
	}
	if r := ask(b, "ミューズ細胞とiPS細胞の違いは？"); r.Entry != "stem-vs-ips" {
		t.Errorf("Muse and iPS: got %s %s, want the entry that speaks of both", r.Kind, r.Entry)
	}
}

// TestCompetingExamplesAreExplained: when an entry's example question is
// answered by another entry, the problem names both entries, the stage
// that decided, and the words that tipped it.
func TestCompetingExamplesAreExplained(t *testing.T) {
	files := shippedFiles(t)
	muse := string(files["muse.yaml"].Data)
	files["muse.yaml"].Data = []byte(strings.Replace(muse, "        - Muse細胞とは何ですか？\n", "        - 治験の副作用は？\n", 1))
	kb, err := knowledge.Load(knowledge.Dir{FS: files, Path: "knowledge"}, knowledge.Dir{FS: seeds.Files, Path: "seeds"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := bot.New(kb)
	if err != nil {
		t.Fatal(err)
	}
	err = b.Check(context.Background())
	if err == nil {
		t.Fatal("a question of the safety entry, filed under muse-what, passes the check")
	}
	for _, want := range []string{`entry "muse-what"`, `"治験の副作用は？"`, "entry muse-trial-safety instead", "decided by", `"副作用"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the problem %q does not say %s", err, want)
		}
	}
}

// TestAWorriedRelativesQuestions: questions as a frightened relative
// types them get the answer they need, not the fallback.
func TestAWorriedRelativesQuestions(t *testing.T) {
	b := shippedBot(t)
	for q, want := range map[string]string{
		"お父さんが歩けなくなってきた、治りますか":         "als-cure",
		"ホーキング博士とおなじ病気ってほんと？":          "als-what",
		"will stem cells cure my mom?": "als-cure",
	} {
		if r := ask(b, q); r.Entry != want {
			t.Errorf("%q: %s %s (%s), want %s", q, r.Kind, r.Entry, r.Reason, want)
		}
	}
}

// shippedFiles is a copy of the shipped knowledge base's files, to edit.
func shippedFiles(t *testing.T) fstest.MapFS {
	t.Helper()
	files := fstest.MapFS{}
	if err := fs.WalkDir(knowledge.Files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(knowledge.Files, p)
		files[p] = &fstest.MapFile{Data: data}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return files
}

// Small talk before "ところで" or "by the way" is not read for the
// answer (a game is no reason to refuse), but the safety rules read the
// whole message.
func TestATopicSwitchLeavesTheSmallTalkBehind(t *testing.T) {
	b := shippedBot(t)
	for _, tt := range []struct{ q, rule, entry string }{
		{"ゲームで負けまくって萎えてるw それはそうとALSって今は治せる病気なの？", "", "als-cure"},
		{"推しのライブ最高だった！ところでiPS細胞ってなんなの", "", "ips-what"},
		{"the game last night was wild. btw who funded the Muse trial?", "", "muse-funding"},
		{"息ができない。ところでALSって治る？", "emergency", "als-cure"},
		{"もう死にたい。ところでiPS細胞って何？", "crisis", ""},
		// Nothing after the switch: the message as a whole.
		{"ゲームの話をしてたところで", "", ""},
	} {
		r := ask(b, tt.q)
		if r.Rule != tt.rule || r.Entry != tt.entry {
			t.Errorf("%q: got %s rule %q entry %q (%s), want rule %q entry %q", tt.q, r.Kind, r.Rule, r.Entry, r.Reason, tt.rule, tt.entry)
		}
	}
}
