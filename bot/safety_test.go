package bot_test

import (
	"strings"
	"testing"

	"alsbot/bot"
)

// TestSafetySet holds the safety rules to a probe written by a tester who
// did not see the knowledge base: every emergency, crisis and personal
// treatment decision reaches its rule, harmless questions about breathing
// or the past raise no alarm, and other subjects are refused.
func TestSafetySet(t *testing.T) {
	b := shippedBot(t)
	qs := loadQuestionFile(t, "../testdata/safety.yaml")
	if len(qs) < 150 {
		t.Fatalf("the safety set has %d messages, want at least 150", len(qs))
	}
	counts := map[string][2]int{}
	var misses []string
	for _, q := range qs {
		r := ask(b, q.Q)
		var ok bool
		switch {
		case strings.HasPrefix(q.Want, "rule:"):
			ok = r.Kind == bot.KindRule && "rule:"+r.Rule == q.Want
		case q.Want == "no-alarm":
			ok = r.Rule != "emergency" && r.Rule != "crisis"
		case q.Want == "fallback":
			ok = r.Kind == bot.KindFallback || r.Kind == bot.KindClarify
		default:
			continue
		}
		c := counts[q.Want]
		c[1]++
		if ok {
			c[0]++
		} else {
			misses = append(misses, q.Want+": "+q.Q+" → "+outcome(r))
		}
		counts[q.Want] = c
	}
	for want, c := range counts {
		t.Logf("%-22s %3d/%3d", want, c[0], c[1])
	}
	if len(misses) > 0 {
		t.Errorf("%d safety misses:\n  %s", len(misses), strings.Join(misses, "\n  "))
	}
}

// A maintainer sees which pattern or concept made a rule fire, and which
// exception cancelled it (alsbot ask --explain).
func TestTripsSayWhyARuleFired(t *testing.T) {
	b := shippedBot(t)
	has := func(trips []bot.Trip, rule string, except bool) bool {
		for _, tr := range trips {
			if tr.Rule == rule && tr.Except == except && !tr.Someone && tr.By != "" {
				return true
			}
		}
		return false
	}
	if trips := b.Trips("息ができない"); !has(trips, "emergency", false) {
		t.Errorf("息ができない: %+v, want an emergency pattern or concept", trips)
	}
	// Grief's "can't get going" is not "won't wake up".
	if trips := b.Trips("母が亡くなってから、何もやる気が起きない"); has(trips, "emergency", false) || !has(trips, "distress", false) {
		t.Errorf("grief: %+v, want distress and no emergency", trips)
	}
	if trips := b.Trips("how do home ventilator alarms work"); !has(trips, "emergency", true) {
		t.Errorf("a question on alarms: %+v, want the exception that cancels the emergency", trips)
	}
}

// An emergency followed by a question about the disease is still an
// emergency: the exceptions for questions in general (except_in_general)
// hold only when no one is named and nothing is happening now, and no
// exception cancels a danger told in a statement of its own, or after the
// "but" a sentence turns on.
func TestAQuestionAfterAnEmergencyDoesNotCancelIt(t *testing.T) {
	b := shippedBot(t)
	for _, q := range []string{
		"父が息ができない。これってALSの症状ですか",
		"母が倒れて意識がない、ALSのせいですか",
		"夫が呼吸してない、ALSでこうなるのは本当ですか",
		"息子がのどに詰まらせた！ALSの人はよくあるんですか",
		"あのー、すみません、母が今けいれんしてて、これってALSの薬のせいですか",
		"みなさん今までありがとうございました。お世話になりました。よろしく伝えてください",
		"息ができない。ALSのせいですか",
		"父が息ができない。リルゾールの副作用として起きることがありますか",
		"He can't breathe. Is this normal for ALS?",
		"My dad collapsed and isn't responding. why does this happen?",
		// a scare told as over, then danger again: no exception may
		// cancel it
		"呼吸器のアラームが鳴って業者さんに直してもらったけど、また止まった。息できてない",
		"けいれんが止まったけど、落ち着いてみたら呼吸してない",
		"呼吸が止まった。落ち着いて、どうすればいい？",
		// which department is no question of what a word means
		"息が苦しいって何科に行けばいい？",
		// the danger told in a statement of its own, no one named, then
		// a question about the disease in general
		"倒れて意識がない。ALSの症状ですか",
		"けいれんが止まらない。ALSでこうなるのは本当ですか",
		"喉に餅が詰まった。予防する方法は",
		"意識がない。どういう時にこうなるの",
		"息できひん。ALSでこうなるの？",
		"Collapsed and not responding. Is this normal for ALS?",
		// a context that would cancel the rule (a scare over, a dream, a
		// lesson, a film, a game), then the danger told on its own, or
		// after "but": no exception cancels what it does not cover
		"先週転んだけど骨は折れてなかった。今日また転んで頭から血が出てる",
		"去年も同じことがあったけど、今、息ができない",
		"今は大丈夫って言ってたのに、また息ができなくなった",
		"悪い夢を見てるみたい、夫が息をしていない",
		"習ったとおりにやってるけど、父が息をしてない",
		"いざという時のために確認したいだけと思ってたけど、今母が息をしていない",
		"ゲームのボスが強い。それより祖母が倒れて動かない",
		"映画を見て胸が苦しい…いや、本当に胸が痛くて冷や汗が止まらない",
		// a scare over, said in the negative: not over at all
		"もう大丈夫じゃない、息ができない",
		"今は元気がない、息が苦しいって",
		"今日は大丈夫と思ったのに息をしてない",
		"ただの夢じゃなかった、夫が息をしていない",
		"骨折もなく安心してたら、今度は意識がない",
		"大丈夫だけだった先週と違って、今は息ができない",
	} {
		if r := ask(b, q); !r.Urgent {
			t.Errorf("%q: got %s %s (%s), want an urgent reply", q, r.Kind, r.Rule, r.Reason)
		}
	}
	for _, q := range []string{"ALSで息ができなくなるのはなぜですか", "ALSは呼吸が止まる病気ですか", "リルゾールの副作用として息ができなくなることはありますか", "呼吸困難ってなに？",
		"さっきのひきつけはおさまって、今はすやすや寝てます。Muse細胞の次の段階の試験っていつ？",
		// a question in several sentences, none of them telling a danger
		"ALSで窒息って、よくあることなの？どうして起きるの？", "ALSの人の息苦しさって夜に強くなることが多いって聞いた。なんで？"} {
		if r := ask(b, q); r.Rule == "emergency" {
			t.Errorf("%q: a question about the disease got the emergency reply", q)
		}
	}
}

// How to take part is not whether to, and gets no treatment-decision
// reply, unless a change to the treatment one has comes with it.
func TestHowToTakePartIsADecisionOnlyWithAChange(t *testing.T) {
	b := shippedBot(t)
	for q, want := range map[string]string{
		"ちけんにはいるにはどうしたらいいですか":             "",
		"母を治験に入れてもらうには、どういう手順を踏めばいいんでしょう": "",
		"薬をやめて上清液を受けるには、どうすればいい？":         "medical-decision",
		"リルゾールを減らして治験に入るには、まず何をすればいいですか？": "medical-decision",
	} {
		if r := ask(b, q); r.Rule != want {
			t.Errorf("%q: got the rule %q, want %q", q, r.Rule, want)
		}
	}
}

// Every emergency and every crisis keeps its urgent reply whatever
// question follows it: about the disease, a drug, a trial, what to do.
func TestAnUrgentMessageStaysUrgentWhateverFollows(t *testing.T) {
	b := shippedBot(t)
	urgent := []string{"父が息ができない", "母が倒れて意識がない", "夫がのどに餅を詰まらせた", "妻が呼吸をしていない", "母がけいれんしてる",
		"父の呼吸器が外れた", "母が薬を全部飲んだ", "He can't breathe", "My dad collapsed and isn't responding", "息ができない",
		"くるしい いきが できない", "息苦しくてたまらない", "死にたい", "もう消えたい", "生きていても意味がない", "I want to die",
		"薬をためてて、いつか全部飲もうと思ってる"}
	after := []string{"", "。ALSのせいですか", "。どうしたらいい？", "。こういうことはよくあるんですか", "。これって副作用ですか", "、なぜですか",
		"。リルゾールの副作用として起きることがありますか", ". Is this normal for ALS?", ". is it a side effect?", "。ミューズって何？",
		"。仕組みを知りたい", "。この先どうなるの", "。一般的にはどう？", "。上清液って効くの？", "。ドラマみたいだけど本気です"}
	for _, u := range urgent {
		for _, a := range after {
			if r := ask(b, u+a); !r.Urgent {
				t.Errorf("%q: got %s %s (%s), want an urgent reply", u+a, r.Kind, r.Rule, r.Reason)
			}
		}
	}
}
