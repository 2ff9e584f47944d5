package bot_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"alsbot/bot"
)

func ask(b *bot.Bot, text string) bot.Reply {
	return b.Ask(context.Background(), bot.Question{Text: text})
}

// answersEach asks each question and wants the entry it maps to answered.
func answersEach(t *testing.T, b *bot.Bot, want map[string]string) {
	t.Helper()
	for q, entry := range want {
		if r := ask(b, q); r.Kind != bot.KindAnswer || r.Entry != entry {
			t.Errorf("%q: got %s %s (%s), want %s", q, r.Kind, r.Entry, r.Reason, entry)
		}
	}
}

func TestAnswerCitesItsSourcesInTheAskersLanguage(t *testing.T) {
	b := shippedBot(t)
	for _, tt := range []struct{ q, lang, entry, mustSay string }{
		{"ミューズ細胞の治験結果は？", "ja", "muse-trial-efficacy", "0.47"},
		{"Muse trial results", "en", "muse-trial-efficacy", "not statistically significant"},
		{"2025年に始まった骨髄の治験は？", "ja", "trial-str03", "STR03"},
		{"muse trail results", "en", "muse-trial-efficacy", "0.47"},
		{"myu-zu saibou no chiken no kekka", "ja", "muse-trial-efficacy", "0.47"},
		{"培養上清液とは？", "ja", "cm-what", "培養上清液"},
		{"what is conditioned medium", "en", "cm-what", "conditioned medium"},
	} {
		r := ask(b, tt.q)
		if r.Kind != bot.KindAnswer || r.Entry != tt.entry {
			t.Errorf("%q: got %s %s, want answer %s", tt.q, r.Kind, r.Entry, tt.entry)
			continue
		}
		if r.Lang != tt.lang {
			t.Errorf("%q: reply in %s, want %s", tt.q, r.Lang, tt.lang)
		}
		if !strings.Contains(r.Text, tt.mustSay) {
			t.Errorf("%q: answer does not say %q:\n%s", tt.q, tt.mustSay, r.Text)
		}
		if len(r.Sources) == 0 || r.Sources[0].Title == "" {
			t.Errorf("%q: answer without a titled source: %+v", tt.q, r.Sources)
		}
		if r.Notice == "" {
			t.Errorf("%q: answer without the disclaimer", tt.q)
		}
		for _, s := range r.Suggestions {
			if s.Entry == r.Entry {
				t.Errorf("%q: suggests the entry just answered", tt.q)
			}
		}
	}
}

// A slip of the kanji converter that the synonyms list (歯随 for 歯髄)
// finds what the right spelling finds: its unknown letters do not count
// against the answer.
func TestListedSlipsReadAsTheirGroup(t *testing.T) {
	b := shippedBot(t)
	for _, tt := range []struct{ slip, right, entry string }{
		{"歯随の上清液", "歯髄の上清液", "cm-dental-pulp"},
		{"臍体の上清液の炎症", "臍帯の上清液の炎症", "cm-umbilical"},
		{"ミューズの治検の結果", "ミューズの治験の結果", "muse-trial-efficacy"},
	} {
		want := ask(b, tt.right)
		if want.Kind != bot.KindAnswer || want.Entry != tt.entry {
			t.Fatalf("%q: got %s %s, want answer %s", tt.right, want.Kind, want.Entry, tt.entry)
		}
		if got := ask(b, tt.slip); got.Kind != want.Kind || got.Entry != want.Entry {
			t.Errorf("%q: got %s %s, want %s %s as for %q", tt.slip, got.Kind, got.Entry, want.Kind, want.Entry, tt.right)
		}
	}
}

// A question the bot will not answer, but which one entry alone matches
// on strong evidence, gets the fallback with that entry offered first;
// chatter gets the plain topic menu.
func TestFallbackOffersTheClosestEntryFirst(t *testing.T) {
	b := shippedBot(t)
	menu := b.Ask(context.Background(), bot.Question{Kind: bot.AskMenu, Lang: "en"}).Suggestions
	for _, tt := range []struct{ q, first string }{
		{"I'm dying to know whether that trial with the patients' own cells has actually kicked off", "trial-str03"},
		{"what's the weather like today", menu[0].Entry},
		{"今日の天気は？", menu[0].Entry},
	} {
		r := ask(b, tt.q)
		if r.Kind != bot.KindFallback {
			t.Errorf("%q: got %s %s, want the fallback", tt.q, r.Kind, r.Entry)
			continue
		}
		if len(r.Suggestions) == 0 || r.Suggestions[0].Entry != tt.first {
			t.Errorf("%q: suggestions %+v, want %s first", tt.q, r.Suggestions, tt.first)
		}
		seen := map[string]bool{}
		for _, s := range r.Suggestions {
			if seen[s.Entry] {
				t.Errorf("%q: %s offered twice", tt.q, s.Entry)
			}
			seen[s.Entry] = true
		}
	}
}

func TestEveryAnswerHasATitledSource(t *testing.T) {
	b := shippedBot(t)
	for _, e := range b.KB().Entries {
		for _, lang := range []string{"ja", "en"} {
			r, ok := b.Answer(e.ID, lang)
			if !ok || len(r.Sources) == 0 || r.Sources[0].Title == "" {
				t.Errorf("%s (%s): no titled source", e.ID, lang)
			}
		}
	}
}

func TestSafetyRulesComeFirst(t *testing.T) {
	b := shippedBot(t)
	r := ask(b, "息ができない　ミューズ細胞の治験")
	if r.Kind != bot.KindRule || r.Rule != "emergency" {
		t.Fatalf("emergency with a topic word: got %s %s %s", r.Kind, r.Rule, r.Entry)
	}
	if !strings.HasPrefix(r.Text, "命に関わる") || !strings.Contains(r.Text, "119") {
		t.Errorf("the emergency reply must lead with 119:\n%s", r.Text)
	}
	if len(r.Suggestions) != 0 || r.Entry != "" {
		t.Errorf("nothing may come with the emergency reply: %+v", r)
	}
	r = ask(b, "I want to end my life")
	if r.Rule != "crisis" || !strings.Contains(r.Text, "0120-279-338") {
		t.Errorf("crisis: got %s %s:\n%s", r.Kind, r.Rule, r.Text)
	}
	// A sudden change is an emergency; a slow one is the disease.
	for q, want := range map[string]string{
		"父が急に動かなくなった":                              "emergency",
		"母がぐったりしている":                               "emergency",
		"ALSで、だんだん手が動かなくなった":                       "",
		"呼吸器をつけるべきか迷っています":                         "medical-decision",
		"should we get a ventilator for my father": "medical-decision",
	} {
		if r := ask(b, q); r.Rule != want {
			t.Errorf("%q: got %s %q, want rule %q", q, r.Kind, r.Rule, want)
		}
	}
	// People in despair rarely say "die": each of these gets care and
	// the help lines, never "I cannot answer that".
	for _, q := range []string{
		"もう生きていても仕方ないと思う", "生きている意味がわからない", "いなくなりたい",
		"迷惑かけてまで生きていたくない", "生きるのがつらい",
		"there's no point in living anymore", "I'm tired of living", "iki te iru imi ga nai",
	} {
		if r := ask(b, q); r.Rule != "crisis" {
			t.Errorf("%q: got %s %s %s, want the crisis reply", q, r.Kind, r.Rule, r.Entry)
		}
	}
}

// TestRulesDoNotTripByAccident asks questions that share words with the
// rules but are not emergencies, crises or personal decisions.
func TestRulesDoNotTripByAccident(t *testing.T) {
	b := shippedBot(t)
	for _, q := range []string{
		"死にたくないので治療法を知りたい",
		"息は苦しくないです。ミューズ細胞の副作用は？",
		"motor neurons die in ALS",
		"Does ALS cause choking?",
		"山下先生はどんな研究をしたの？",
		"人と話すのも難しくなる病気ですか",
	} {
		if r := ask(b, q); r.Kind == bot.KindRule {
			t.Errorf("%q tripped rule %s", q, r.Rule)
		}
	}
}

func TestMedicalDecisionGoesToTheDoctorThenFacts(t *testing.T) {
	b := shippedBot(t)
	r := ask(b, "父にミューズ細胞の治療を受けさせるべき？")
	if r.Rule != "medical-decision" {
		t.Fatalf("got %s %s, want the medical-decision rule", r.Kind, r.Rule)
	}
	if !strings.Contains(r.Text, "主治医") {
		t.Errorf("does not refer to the doctor:\n%s", r.Text)
	}
}

// A worried asker's question that the sources cannot answer gets the kind
// word and then the honest reply it would get alone, not the kind word in
// place of an answer.
func TestAKindWordIsFollowedByWhatTheSourcesDoNotSay(t *testing.T) {
	b := shippedBot(t)
	for _, tt := range []struct{ q, alone, rule string }{
		{"ALSって遺伝するんですか？子供が心配で", "ALSって遺伝するんですか？", "distress"},
		{"ketogenic diet for ALS, worth trying?", "ketogenic diet for ALS?", "medical-decision"},
	} {
		r, alone := ask(b, tt.q), ask(b, tt.alone)
		if alone.Kind != bot.KindFallback {
			t.Fatalf("%q alone: got %s %s, want the honest fallback", tt.alone, alone.Kind, alone.Entry)
		}
		if r.Rule != tt.rule || r.Then != bot.KindFallback || !strings.HasSuffix(r.Text, alone.Text) {
			t.Errorf("%q: got rule %q then %q:\n%s\nwant the %s reply, then:\n%s", tt.q, r.Rule, r.Then, r.Text, tt.rule, alone.Text)
		}
	}
	// Nothing fitting well enough is not worth saying after the kind word.
	if r := ask(b, "不安で眠れません"); r.Then != "" {
		t.Errorf("不安で眠れません: followed by %s:\n%s", r.Then, r.Text)
	}
}

func TestOtherDiseasesAndChatterAreRefused(t *testing.T) {
	b := shippedBot(t)
	for _, q := range []string{"アルツハイマーの治験結果", "Parkinson's new treatment", "今日の天気は？", "おすすめのラーメン",
		"2024年のノーベル賞は誰がとった？", "岡山大学の入試の倍率", "konnichiwa, tenki wa dou?"} {
		r := ask(b, q)
		if r.Kind != bot.KindFallback {
			t.Errorf("%q: got %s %s, want fallback", q, r.Kind, r.Entry)
			continue
		}
		if len(r.Suggestions) == 0 {
			t.Errorf("%q: the fallback offers nothing the bot can answer", q)
		}
	}
}

func TestClarifyOffersTheCloseCandidates(t *testing.T) {
	b := shippedBot(t)
	r := ask(b, "細胞")
	if r.Kind == bot.KindAnswer {
		t.Skipf("%q is answered outright with %s", "細胞", r.Entry)
	}
	if r.Kind == bot.KindClarify && len(r.Suggestions) < 2 {
		t.Errorf("a clarifying reply with %d choices", len(r.Suggestions))
	}
}

func ExampleBot_Ask() {
	b := mustShippedBot()
	r := b.Ask(context.Background(), bot.Question{Text: "ミューズ細胞の治験結果は？"})
	fmt.Println(r.Kind, r.Entry, r.Sources[0].ID)
	// Output: answer muse-trial-efficacy okayama-muse-press-2023
}

// Whether a therapy helps with a condition no entry speaks of is refused,
// whatever topic the question names; a condition the entries know is
// answered.
func TestAConditionNoEntrySpeaksOfIsRefused(t *testing.T) {
	b := shippedBot(t)
	for _, q := range []string{"上清液って更年期障害に効く？", "ミューズ細胞は嚥下に効果ある？", "Is conditioned medium good for wrinkles?", "does the muse product help with swallowing"} {
		if r := ask(b, q); r.Kind != bot.KindFallback || r.Reason != bot.ReasonUnknownCondition {
			t.Errorf("%q: got %s %s (%s), want the refusal of an unknown condition", q, r.Kind, r.Entry, r.Reason)
		}
	}
	for _, q := range []string{"ミューズ細胞はALSに効く？", "上清液は神経に効くの？"} {
		if r := ask(b, q); r.Kind != bot.KindAnswer {
			t.Errorf("%q: got %s (%s), want an answer", q, r.Kind, r.Reason)
		}
	}
}

// A question naming no topic, that asks what the sources follow in one
// therapy alone (results in people, studies in animals), is about that
// therapy, whatever entry of another the ranking puts first; a question
// the ranking cannot answer is not made one by a word.
func TestAFacetOfOneTherapyNamesIt(t *testing.T) {
	b := shippedBot(t)
	answersEach(t, b, map[string]string{
		"ヒトでの試験はどこまで進んでる？":                     "cm-human",
		"人での試験って大きい規模でやっとるん？":                  "cm-human",
		"患者さん何人で試したの？":                         "muse-trial-design",
		"how big are the human studies so far": "cm-human",
		"ひとでためしたけっかは？":                         "cm-human",
		"どうぶつでためしたら うんどうのうりょく どうなった？":          "cm-animal",
		// Asked of ALS, and answered from elsewhere: not the therapy's.
		"前臨床段階ってことは、まだ実際の治療としては認められてないって意味？": "standard-treatment",
	})
	if r := ask(b, "what was the ice bucket challenge?"); r.Kind != bot.KindFallback {
		t.Errorf("the ice bucket challenge (read as mice): got %s %s (%s), want the fallback", r.Kind, r.Entry, r.Reason)
	}
	if r := ask(b, "ALS の ひと、ことば いえなくなる？なんで？"); r.Entry == "cm-human" {
		t.Errorf("a person with ALS is not a study in people: got %s %s (%s)", r.Kind, r.Entry, r.Reason)
	}
	if r := ask(b, "ハムスターとマウスどっちが飼いやすい？"); r.Kind != bot.KindFallback {
		t.Errorf("a pet question: got %s %s (%s), want the fallback", r.Kind, r.Entry, r.Reason)
	}
}

// A figure quoted from the sources is asked about where it is given:
// 「0.47から0.25ってなんの数字？」 names no topic, and is the Muse trial's
// results all the same. A figure no entry gives names nothing.
func TestAQuotedFigureIsAskedOfItsEntry(t *testing.T) {
	b := shippedBot(t)
	answersEach(t, b, map[string]string{
		"0.47から0.25ってなんの数字？":               "muse-trial-efficacy",
		"0.47が0.25になったってどういう意味？":           "muse-trial-efficacy",
		"what do 0.47 and 0.25 stand for?": "muse-trial-efficacy",
		"10.1177ってなに？":                     "muse-publication",
	})
	for _, q := range []string{"0.8って何の数字？", "ミューズ細胞は0.5ミリリットル打つの？"} {
		if r := ask(b, q); r.Reason == bot.ReasonQuoted {
			t.Errorf("%q: a figure no source gives chose %s", q, r.Entry)
		}
	}
}

// Whether a therapy is standard treatment yet is the general entry's to
// answer, for every therapy, when the ranking puts it clearly first.
func TestWhetherItIsStandardIsAnsweredForEveryTherapy(t *testing.T) {
	b := shippedBot(t)
	for _, q := range []string{"Muse細胞の治療ってもう正式な治療として認められてるの？", "pt asking if Muse is an 'approved' tx now. is it standard?"} {
		if r := ask(b, q); r.Kind != bot.KindAnswer || r.Entry != "standard-treatment" {
			t.Errorf("%q: got %s %s (%s), want standard-treatment", q, r.Kind, r.Entry, r.Reason)
		}
	}
}

// What comes next frames the rest: results asked with it are the next
// trial's to establish, not the finished trial's; a design asked in the
// past tense is the finished trial's.
func TestWhatComesNextFramesTheRest(t *testing.T) {
	b := shippedBot(t)
	answersEach(t, b, map[string]string{
		"ミューズの効き目をはっきりさせるには何が必要って言うとる？":                                   "muse-next-steps",
		"Muse治療の効き目はどうやって確かめる予定？":                                         "muse-next-steps",
		"what's needed before Muse therapy can be shown to actually work": "muse-next-steps",
		"ミューズの治験って二重盲検やったん？":                                              "muse-trial-design",
		"Was the Muse trial double-blind?":                                "muse-trial-design",
		"will there be a bigger double-blind Muse study?":                 "muse-next-steps",
	})
}

// A date asked with an approval is a date still to come, which no
// source gives, whatever words lie between; a date in one sentence and
// the stage in another are not.
func TestADateWithAnApprovalIsADateToCome(t *testing.T) {
	b := shippedBot(t)
	for _, q := range []string{"ミューズ細胞はいつ国に承認される？", "Muse細胞はいつ国に承認される予定？", "muse cell product approval date in Japan?"} {
		if r := ask(b, q); r.Kind != bot.KindFallback || r.Reason != bot.ReasonNoFacet {
			t.Errorf("%q: got %s %s (%s), want the sources' silence on the date", q, r.Kind, r.Entry, r.Reason)
		}
	}
	q := "2年前に父をALSで亡くしました。最近Muse細胞の記事を見て気になって。今はどの段階まで進んでるんですか？"
	if r := ask(b, q); r.Kind != bot.KindAnswer {
		t.Errorf("a date in the story, the stage asked: got %s %s (%s), want an answer", r.Kind, r.Entry, r.Reason)
	}
}

// A therapy named only as part of a study's name (「乳歯の上清液の研究」)
// is not asked of: a point of the study the sources do not give is said to
// be missing, not answered with the therapy's other studies; asked what
// only the therapy's entries give, it is the therapy's.
func TestAStudyNamedWithinATherapyIsWhatIsAsked(t *testing.T) {
	b := shippedBot(t)
	if r := ask(b, "乳歯の上清液の研究って何人参加してるの？"); r.Kind != bot.KindFallback || r.Reason != bot.ReasonNoFacet {
		t.Errorf("how many take part in the baby-tooth study: got %s %s (%s), want the sources' silence", r.Kind, r.Entry, r.Reason)
	}
	answersEach(t, b, map[string]string{
		"上清液の研究の論文を教えて":        "blog-references",
		"人での上清液の研究は大規模なの？":     "cm-human",
		"乳歯から取れる上清液ってALSにええの？": "cm-dental-pulp",
	})
}

// A question about another disease, which no source speaks of, is
// refused, however ALS's own words surround it; ALS's name with a slip,
// and the words of illness in general (発症, 闘病), are not another disease.
func TestAnotherDiseaseIsRefused(t *testing.T) {
	b := shippedBot(t)
	for _, q := range []string{
		"脊髄小脳変性症の新しい治療ってある？",
		"多系統萎縮症にもミューズ細胞は使える？",
		"is there a stem cell trial for Kennedy's disease?",
		"does conditioned medium work for pompe disease",
	} {
		if r := ask(b, q); r.Kind != bot.KindFallback || r.Reason != bot.ReasonUnknownCondition {
			t.Errorf("%q: got %s %s (%s), want the refusal of another disease", q, r.Kind, r.Entry, r.Reason)
		}
	}
	answersEach(t, b, map[string]string{
		"筋委縮性側策硬化症ってどんな病気？":                 "als-what",
		"闘病中の父にミューズ細胞の治験の結果を教えたい":           "muse-trial-efficacy",
		"what is lou gehrig's disease":      "als-what",
		"motor neuron disease, what is it?": "als-what",
		"what is lou gerhig's disease":      "als-what",
	})
}

// Whether a treatment no entry speaks of works is refused, not answered
// with what the sources say of ALS in general; a therapy the entries know
// is answered, however it is asked.
func TestARemedyNoEntrySpeaksOfIsRefused(t *testing.T) {
	b := shippedBot(t)
	for q, says := range map[string]string{
		"ケトン食はALSに効きますか":                       "「ケトン食」",
		"鍼とかお灸ってALSに効果ある？":                     "「お灸」",
		"ALSにサプリとかハーブって効く？":                    "「ハーブ」",
		"can ozone therapy slow ALS?":          "whether ozone therapy helps",
		"Does turmeric really help ALS?":       "whether turmeric helps",
		"hyperbaric oxygen for ALS, any good?": "whether hyperbaric oxygen helps",
		"turmeric for als?":                    "whether turmeric helps",
		"ケトン食でALSの進行は遅くなる？":                    "「ケトン食」",
	} {
		r := ask(b, q)
		if r.Kind != bot.KindFallback {
			t.Errorf("%q: got %s %s (%s), want a refusal", q, r.Kind, r.Entry, r.Reason)
		} else if !strings.Contains(r.Text, says) {
			t.Errorf("%q: the refusal does not name what was asked (%q):\n%s", q, says, r.Text)
		}
	}
	for q, want := range map[string]string{
		"ミューズ細胞ってALSに効くの？":                                                         "muse-trial-efficacy",
		"ALSって今の医学で治せるようになりましたか？":                                                  "als-cure",
		"結局Muse細胞って効いたの？":                                                          "muse-trial-efficacy",
		"実際に患者さんに上清液使って効果あったんですか？":                                                 "cm-human",
		"does muse work for als":                                                   "muse-trial-efficacy",
		"new treatments for ALS?":                                                  "stem-cell-overview",
		"overview of the regenerative-medicine approaches being explored for ALS?": "stem-cell-overview",
	} {
		if r := ask(b, q); r.Entry != want {
			t.Errorf("%q: got %s %s (%s), want %s", q, r.Kind, r.Entry, r.Reason, want)
		}
	}
}

// A question naming no topic, whose subject is words no entry knows, is
// refused, however well a facet's cue matches; asked of the sources or of
// taking part, which are the same for any subject, it is answered.
func TestASubjectNoEntryKnowsIsNotReadAsALS(t *testing.T) {
	b := shippedBot(t)
	for _, q := range []string{"hospice options in Tokyo?"} {
		if r := ask(b, q); r.Kind != bot.KindFallback {
			t.Errorf("%q: got %s %s (%s), want a refusal", q, r.Kind, r.Entry, r.Reason)
		}
	}
	for q, want := range map[string]string{
		"which documents are you answering from": "about-sources",
		"なおるびょうきですか":                             "als-cure",
	} {
		if r := ask(b, q); r.Entry != want {
			t.Errorf("%q: got %s %s (%s), want %s", q, r.Kind, r.Entry, r.Reason, want)
		}
	}
}

// A question that names ALS and asks what one general entry answers is
// answered, however much of it is the asker's own situation in words no
// entry has.
func TestTheAskersSituationDoesNotCountAgainstTheAnswer(t *testing.T) {
	b := shippedBot(t)
	answersEach(t, b, map[string]string{
		"pt's family wants a plain-language explanation of ALS, what do we tell them it is?": "als-what",
		"any curative tx for ALS at this point or only stuff that slows it?":                 "als-cure",
		"als curable y/n? pt's son asking at reception":                                      "als-cure",
		"What is ALS exactly? My mom's neurologist mentioned it today":                       "als-what",
		"ALSとはなんですか、父が診断されました":                                                               "als-what",
	})
}

// Cancer is a word the entries know, as a risk: whether these therapies
// treat it is still refused, and the risk still answered.
func TestAConditionSpokenOfOnlyAsARiskIsRefused(t *testing.T) {
	b := shippedBot(t)
	for _, q := range []string{"上清液はがんに効く？", "iPS細胞って癌にも効果ある？", "Does iPS cell therapy work for cancer?", "can conditioned medium treat tumours"} {
		if r := ask(b, q); r.Kind != bot.KindFallback || r.Reason != bot.ReasonUnknownCondition {
			t.Errorf("%q: got %s %s (%s), want the refusal of an untreated condition", q, r.Kind, r.Entry, r.Reason)
		}
	}
	for _, q := range []string{"上清液でがんになる？", "Does conditioned medium cause cancer?"} {
		if r := ask(b, q); r.Entry != "cm-tumor-risk" {
			t.Errorf("%q: got %s %s (%s), want cm-tumor-risk", q, r.Kind, r.Entry, r.Reason)
		}
	}
}

// Small talk is one or more of its phrases in a row, as people write it;
// a question after the greeting is a question.
func TestSmallTalkIsItsPhrasesInARow(t *testing.T) {
	b := shippedBot(t)
	for q, want := range map[string]string{
		"おはようございます。いつもお世話になっております。":              "greeting",
		"はじめまして。母がALSで、こちらに登録しました。よろしくお願いします":    "greeting",
		"ご丁寧にご回答いただき、誠にありがとうございます。":              "thanks",
		"Thank you so much, that really helped":  "thanks",
		"what kind of questions can I ask here?": "help",
		"このチャットでは何について聞けますか？":                    "help",
	} {
		if r := ask(b, q); r.Kind != bot.KindRule || r.Rule != want {
			t.Errorf("%q: got %s %s %s, want the %s rule", q, r.Kind, r.Rule, r.Entry, want)
		}
	}
	for _, q := range []string{
		"おはようございます。いつもお世話になっております。ミューズ細胞の治験の結果を教えてください",
		"Thank you so much. What did the Muse trial find?",
	} {
		if r := ask(b, q); r.Kind != bot.KindAnswer {
			t.Errorf("%q: got %s %s, want an answer", q, r.Kind, r.Rule)
		}
	}
}

// An emoji sent alone is read as what it says: folded hands thank, tears
// get a kind word, and neither gets the cold "I have no information".
// Within words, an emoji is a pause and changes nothing.
func TestASymbolAloneIsReadAsItsWord(t *testing.T) {
	b := shippedBot(t)
	for q, want := range map[string]string{
		"🙏":    "thanks",
		"👍🏻":   "thanks",
		"🙇‍♀️": "thanks",
		"😭😭":   "distress",
		"👋":    "greeting",
		"？":    "help",
	} {
		if r := ask(b, q); r.Kind != bot.KindRule || r.Rule != want {
			t.Errorf("%q: got %s %s %s, want the %s rule", q, r.Kind, r.Rule, r.Entry, want)
		}
	}
	if r := ask(b, "ミューズ細胞ってなに🙏"); r.Entry != "muse-what" {
		t.Errorf("a question with an emoji: got %s %s %s, want muse-what", r.Kind, r.Rule, r.Entry)
	}
	if r := ask(b, "🌸"); r.Kind != bot.KindFallback {
		t.Errorf("an emoji that says nothing listed: got %s %s, want the fallback", r.Kind, r.Rule)
	}
}

// A facet's cue in kana that a message has only across the end of a
// sentence is not asked: the end of one word and the start of the next.
func TestACueAcrossSentencesIsNotAsked(t *testing.T) {
	b := shippedBot(t)
	rd := b.Read("ひょうじゅんちりょうってまだなん？さいぼうのやつ")
	if slices.Contains(rd.Facets, "age") {
		t.Errorf("read facets %v: 「なん？さい」 asks no age", rd.Facets)
	}
	if r := ask(b, "ひょうじゅんちりょうってまだなん？さいぼうのやつ"); r.Entry != "standard-treatment" {
		t.Errorf("got %s %s (%s), want standard-treatment", r.Kind, r.Entry, r.Reason)
	}
	if rd := b.Read("ちちは なんさい まで いきられますか"); !slices.Contains(rd.Facets, "age") && !slices.Contains(rd.Facets, "age-upper") {
		t.Errorf("read facets %v: なんさい across a space still asks an age", rd.Facets)
	}
}

// A slash command typed into a message out of habit is not read as the
// question's subject: "/als" names no topic.
func TestASlashCommandInAMessageIsDropped(t *testing.T) {
	b := shippedBot(t)
	with, without := ask(b, "/als who's on call this weekend?"), ask(b, "who's on call this weekend?")
	if with.Kind != without.Kind || with.Entry != without.Entry {
		t.Errorf("with /als: %s %s; without: %s %s", with.Kind, with.Entry, without.Kind, without.Entry)
	}
	if r := ask(b, "/als which docs is this KB built on"); r.Entry != "about-sources" {
		t.Errorf("got %s %s (%s), want about-sources", r.Kind, r.Entry, r.Reason)
	}
}

// The one question of a message that tells a story around it is answered
// when nothing fits the whole; a story whose other sentences ask something
// too is not cut down to one of them.
func TestAQuestionBuriedInAStoryIsAnswered(t *testing.T) {
	b := shippedBot(t)
	q := "What is ALS exactly? my uncle just got diagnosed and honestly i don't get what's happening to him"
	if r := ask(b, q); r.Kind != bot.KindAnswer || r.Entry != "als-what" {
		t.Errorf("%q: got %s %s (%s), want als-what", q, r.Kind, r.Entry, r.Reason)
	}
	for _, q := range []string{
		"ALSで亡くなる人って、日本で年間どれくらい？",
		"人工呼吸器のアラームって、どういう時に鳴るんですか？仕組みを知りたいです",
		"ブログ読んで胸がいっぱいになりました。ありがとうございます",
	} {
		if r := ask(b, q); r.Reason == bot.ReasonBuried {
			t.Errorf("%q: answered %s from one sentence", q, r.Entry)
		}
	}
}
