package slack

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	slackgo "github.com/slack-go/slack"

	"alsbot/bot"
)

func TestSplitText(t *testing.T) {
	para := strings.Repeat("word ", 500) // 2500 characters
	tests := []struct {
		name      string
		text      string
		wantParts int
		wantFirst string // prefix of the first part
		wantLast  string // suffix of the last part
	}{
		{"empty", "  ", 0, "", ""},
		{"short", "Muse cells & ALS <2023>", 1, "Muse cells &amp; ALS &lt;2023&gt;", "&lt;2023&gt;"},
		{"two long paragraphs", para + "\n\n" + para, 2, "word word", "word"},
		{"one huge line", strings.Repeat("x", 7000), 3, "xxx", "xxx"},
		{"over the whole limit", strings.Repeat(para+"\n\n", 6), 4, "word", "…"},
		{"escapes are not cut", strings.Repeat("&", 2000), 4, "&amp;", "&amp;"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parts := splitText(tt.text, maxTextObject, maxMessageText)
			if len(parts) != tt.wantParts {
				t.Fatalf("%d parts, want %d", len(parts), tt.wantParts)
			}
			total := 0
			for i, p := range parts {
				n := utf8.RuneCountInString(p)
				total += n
				if n > maxTextObject {
					t.Errorf("part %d has %d characters", i, n)
				}
				if strings.ContainsAny(p, "<>") || strings.Contains(strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(p, "&amp;", ""), "&lt;", ""), "&gt;", ""), "&") {
					t.Errorf("part %d is not escaped whole: %.40q…", i, p)
				}
			}
			if total > maxMessageText {
				t.Errorf("%d characters in all", total)
			}
			if len(parts) > 0 && (!strings.HasPrefix(parts[0], tt.wantFirst) || !strings.HasSuffix(parts[len(parts)-1], tt.wantLast)) {
				t.Errorf("parts run %.20q … %.20q", parts[0], parts[len(parts)-1])
			}
		})
	}
}

func TestPlainText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"<@UBOT> What is ALS?", "What is ALS?"},
		{"<@UBOT|alsbot>   What is ALS?", "What is ALS?"},
		{"What is ALS <@UBOT>", "What is ALS"},
		{"<@UBOT> ask <@U2|mika> about <#C1|general>", "ask @mika about #general"},
		{"<!here> <@UBOT> trial results", "trial results"},
		{"see <https://example.org/a?b=1&amp;c=2|this page> &amp; <https://example.org>", "see this page & https://example.org"},
		{"a &lt; b &gt; c &amp;lt;", "a < b > c &lt;"},
		{"unclosed <@UBOT", "unclosed <@UBOT"},
		{"<@UBOT>", ""},
		{"<@UBOT> ミューズ細胞とは？", "ミューズ細胞とは？"},
	}
	for _, tt := range tests {
		if got := plainText(tt.in, "UBOT"); got != tt.want {
			t.Errorf("plainText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestLink(t *testing.T) {
	tests := []struct{ url, title, want string }{
		{"https://doi.org/10.1/x", "A <new> study", "<https://doi.org/10.1/x|A &lt;new&gt; study>"},
		{"https://example.org/?a=1&b=2", "Q&A", "<https://example.org/?a=1&amp;b=2|Q&amp;A>"},
		{"https://example.org", "left|right", "<https://example.org|left¦right>"},
		{"", "Clinic leaflet", "Clinic leaflet"},
		{"javascript:alert(1)", "Bad", "Bad"},
		{"https://example.org/a|b", "Odd", "Odd"},
	}
	for _, tt := range tests {
		if got := link(tt.url, tt.title); got != tt.want {
			t.Errorf("link(%q, %q) = %q, want %q", tt.url, tt.title, got, tt.want)
		}
	}
}

func TestRenderKeepsWithinBlockKitLimits(t *testing.T) {
	var sources []bot.Source
	var suggestions []bot.Suggestion
	for i := range 30 {
		sources = append(sources, bot.Source{Title: strings.Repeat("T", 4000), URL: "https://example.org/" + strings.Repeat("p", i)})
		suggestions = append(suggestions, bot.Suggestion{Label: strings.Repeat("L", 200), Entry: "entry-" + strings.Repeat("e", i)})
	}
	suggestions = append(suggestions, bot.Suggestion{Label: "no entry"})
	r := bot.Reply{
		Kind: bot.KindAnswer, Lang: "en", Text: strings.Repeat("Long answer & more. ", 2000),
		Sources: sources, Suggestions: suggestions, Notice: strings.Repeat("N", 5000),
	}
	m := render(r)
	raw, err := json.Marshal(m.blocks)
	if err != nil {
		t.Fatal(err)
	}
	var back slackgo.Blocks
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatalf("slack-go cannot read the blocks back: %v", err)
	}
	if len(m.blocks) > 50 {
		t.Errorf("%d blocks", len(m.blocks))
	}
	if n := utf8.RuneCountInString(m.text); n == 0 || n > maxFallbackText {
		t.Errorf("fallback text of %d characters", n)
	}
	for _, b := range back.BlockSet {
		switch b := b.(type) {
		case *slackgo.SectionBlock:
			if n := utf8.RuneCountInString(b.Text.Text); n > maxTextObject {
				t.Errorf("section of %d characters", n)
			}
		case *slackgo.ContextBlock:
			if len(b.ContextElements.Elements) > maxContextElems {
				t.Errorf("context block of %d elements", len(b.ContextElements.Elements))
			}
			for _, e := range b.ContextElements.Elements {
				if n := utf8.RuneCountInString(e.(*slackgo.TextBlockObject).Text); n > maxTextObject {
					t.Errorf("context text of %d characters", n)
				}
			}
		case *slackgo.ActionBlock:
			if len(b.Elements.ElementSet) != maxActionElems {
				t.Errorf("%d buttons, want the first %d with an entry", len(b.Elements.ElementSet), maxActionElems)
			}
			for _, e := range b.Elements.ElementSet {
				btn := e.(*slackgo.ButtonBlockElement)
				if n := utf8.RuneCountInString(btn.Text.Text); n > maxButtonText {
					t.Errorf("button label of %d characters", n)
				}
				if !strings.HasPrefix(btn.ActionID, actionEntryPrefix) || btn.Value == "" {
					t.Errorf("button %q carries %q", btn.ActionID, btn.Value)
				}
			}
		}
	}
}

func TestRenderShowsNoEmptyParts(t *testing.T) {
	m := render(bot.Reply{Kind: bot.KindRule, Lang: "ja", Text: "どういたしまして。"})
	if len(m.blocks) != 1 || m.text != "どういたしまして。" {
		t.Fatalf("%d blocks, text %q; want one section and the text", len(m.blocks), m.text)
	}
	m = render(bot.Reply{Kind: bot.KindAnswer, Lang: "ja", Text: "答え", Sources: []bot.Source{{Title: "資料", URL: "https://example.jp"}}})
	raw, _ := json.Marshal(m.blocks)
	if !strings.Contains(string(raw), "出典:") {
		t.Errorf("Japanese sources not labelled in Japanese: %s", raw)
	}
}

// An emergency reply starts with the number to call, in bold.
func TestEmergencyStartsWithTheNumber(t *testing.T) {
	m := render(bot.Reply{Kind: bot.KindRule, Rule: "emergency", Lang: "en", Urgent: true, Text: "This may be life-threatening.",
		Calls: []bot.Call{{Number: "119", Label: "Call 119"}}})
	first, ok := m.blocks[0].(*slackgo.SectionBlock)
	if !ok || first.BlockID != blockCalls || first.Text.Text != "*Call 119: 119*" {
		t.Errorf("first block %+v; want the number in bold", m.blocks[0])
	}
}
