package bot

import (
	"os"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestLiteralPrefilterNeverChangesARule: skipping a pattern because a
// message lacks its required literals must never skip a match. A wrong
// prefilter would silently miss an emergency.
func TestLiteralPrefilterNeverChangesARule(t *testing.T) {
	b := shippedTestBot(t)
	var texts []string
	for _, f := range []string{"../testdata/questions.yaml", "../testdata/typing.yaml"} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var qs []struct {
			Q string `yaml:"q"`
		}
		if err := yaml.Unmarshal(data, &qs); err != nil {
			t.Fatal(err)
		}
		for _, q := range qs {
			texts = append(texts, q.Q)
		}
	}
	texts = append(texts, "息ができない", "いきができない", "can't breathe", "chest pain", "死にたい", "こんにちは", "thanks",
		"おはようございます。いつもお世話になっております。", "やあ", "どうも！", "ありがとうございました😊", "使い方を教えて", "Hi there", "ＨＥＬＬＯ")
	checked := 0
	for _, text := range texts {
		norm := Normalize(text)
		seen := b.rules.scan(norm)
		for _, ru := range b.rules.rules {
			for _, p := range append(append([]*pattern{}, ru.patterns...), ru.except...) {
				if p.literals == nil {
					continue
				}
				checked++
				if got, want := p.match(norm, &seen), p.regexp().MatchString(norm); got != want {
					t.Errorf("rule %s, pattern %s on %q: with the prefilter %v, without %v (literals %q)", ru.ID, p.src, text, got, want, p.literals)
				}
			}
			// Walking the scan's marks by range finds what trying
			// every pattern of the list finds.
			for _, list := range [][]*pattern{ru.patterns, ru.except, ru.general, ru.someone} {
				want := false
				for _, p := range list {
					want = want || p.match(norm, &seen)
				}
				if got := seen.anyMatch(list, norm); got != want {
					t.Errorf("rule %s on %q: walking the marks %v, every pattern %v", ru.ID, text, got, want)
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no pattern has a literal prefilter: the test checks nothing")
	}
}

func TestRequiredLiterals(t *testing.T) {
	b := shippedTestBot(t)
	with, without := 0, 0
	for _, ru := range b.rules.rules {
		for _, p := range ru.patterns {
			if p.literals != nil {
				with++
			} else {
				without++
			}
		}
	}
	t.Logf("%d patterns have a literal prefilter, %d do not", with, without)
	if with < without {
		t.Errorf("only %d of %d patterns have a prefilter", with, with+without)
	}
}
