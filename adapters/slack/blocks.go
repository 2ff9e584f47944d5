package slack

import (
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	slackgo "github.com/slack-go/slack"

	"alsbot/adapters/textsplit"
	"alsbot/bot"
)

// Block Kit limits (Slack documents them; longer messages are refused).
const (
	maxTextObject   = 3000  // characters in one text object
	maxMessageText  = 10000 // all section text together, well under ~12k
	maxFallbackText = 3000  // the notification text
	maxContextElems = 10
	maxActionElems  = 25
	maxButtonText   = 75
	maxValue        = 2000 // a button's value
)

// Block and action ids; see the package documentation.
const (
	blockAnswerPrefix = "als_answer:"
	blockSources      = "als_sources"
	blockCalls        = "als_calls"
	blockNotice       = "als_notice"
	blockPickPrefix   = "als_pick:"
	actionEntryPrefix = "als_entry:"
)

// message is a reply as Slack shows it.
type message struct {
	text   string // plain fallback for notifications and screen readers
	blocks []slackgo.Block
}

// render turns a reply into Block Kit: the text as mrkdwn sections, the
// sources as links in a context block, the disclaimer, and the
// suggestions (follow-ups, clarifying choices or the topic menu) as
// buttons that carry their entry id.
func render(r bot.Reply) message {
	var blocks []slackgo.Block
	if len(r.Calls) > 0 {
		// The numbers to call, in bold, before anything else.
		var lines []string
		for _, c := range r.Calls {
			lines = append(lines, "*"+escape(c.Label)+": "+escape(c.Number)+"*")
		}
		t := slackgo.NewTextBlockObject(slackgo.MarkdownType, clip(strings.Join(lines, "\n"), maxTextObject), false, false)
		blocks = append(blocks, slackgo.NewSectionBlock(t, nil, nil, slackgo.SectionBlockOptionBlockID(blockCalls)))
	}
	for i, part := range splitText(r.Text, maxTextObject, maxMessageText) {
		t := slackgo.NewTextBlockObject(slackgo.MarkdownType, part, false, false)
		blocks = append(blocks, slackgo.NewSectionBlock(t, nil, nil, slackgo.SectionBlockOptionBlockID(blockAnswerPrefix+strconv.Itoa(i))))
	}
	if els := sourceElements(r); len(els) > 0 {
		blocks = append(blocks, slackgo.NewContextBlock(blockSources, els...))
	}
	if n := strings.TrimSpace(r.Notice); n != "" {
		t := slackgo.NewTextBlockObject(slackgo.MarkdownType, clip(escape(n), maxTextObject), false, false)
		blocks = append(blocks, slackgo.NewContextBlock(blockNotice, t))
	}
	if btns := buttons(r.Suggestions); len(btns) > 0 {
		blocks = append(blocks, slackgo.NewActionBlock(blockPickPrefix+r.Lang, btns...))
	}
	text := clip(escape(strings.TrimSpace(r.Text)), maxFallbackText)
	if text == "" {
		text = "…" // Slack needs text; a reply without any is a bot defect
	}
	return message{text: text, blocks: blocks}
}

// sourceElements lists the sources as links, each with its publisher and
// date, after a label in the reply's language.
func sourceElements(r bot.Reply) []slackgo.MixedElement {
	if len(r.Sources) == 0 {
		return nil
	}
	label := "Sources:"
	if r.Lang == "ja" {
		label = "出典:"
	}
	els := []slackgo.MixedElement{slackgo.NewTextBlockObject(slackgo.MarkdownType, label, false, false)}
	for _, s := range r.Sources {
		if len(els) == maxContextElems {
			break
		}
		line := link(s.URL, s.Title)
		var about []string
		for _, v := range []string{s.Publisher, s.Date} {
			if v = strings.TrimSpace(v); v != "" {
				about = append(about, escape(v))
			}
		}
		if len(about) > 0 {
			line += " (" + strings.Join(about, ", ") + ")"
		}
		els = append(els, slackgo.NewTextBlockObject(slackgo.MarkdownType, clip(line, maxTextObject), false, false))
	}
	if r.Reviewed != "" && len(els) < maxContextElems {
		reviewed := "Reviewed " + r.Reviewed
		if r.Lang == "ja" {
			reviewed = "確認: " + r.Reviewed
		}
		els = append(els, slackgo.NewTextBlockObject(slackgo.MarkdownType, reviewed, false, false))
	}
	return els
}

// link is mrkdwn for a link labelled title, or the title alone when the
// address is not a web address.
func link(addr, title string) string {
	title = strings.TrimSpace(title)
	if title == "" {
		title = addr
	}
	// A "|" or ">" would end the label early.
	label := strings.NewReplacer("|", "¦").Replace(escape(title))
	u, err := url.Parse(addr)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.ContainsAny(addr, "|<> \n") {
		return label
	}
	return "<" + escape(addr) + "|" + label + ">"
}

// buttons makes one button per suggestion with an entry id.
func buttons(ss []bot.Suggestion) []slackgo.BlockElement {
	var out []slackgo.BlockElement
	for _, s := range ss {
		if s.Entry == "" || len(s.Entry) > maxValue || len(out) == maxActionElems {
			continue
		}
		label := strings.TrimSpace(s.Label)
		if label == "" {
			label = s.Question
		}
		t := slackgo.NewTextBlockObject(slackgo.PlainTextType, clip(label, maxButtonText), false, false)
		out = append(out, slackgo.NewButtonBlockElement(actionEntryPrefix+strconv.Itoa(len(out)), s.Entry, t))
	}
	return out
}

// howToAsk tells a user the ways to ask.
func howToAsk(lang string) string {
	if lang == "ja" {
		return "質問のしかた: `/als 質問`（自分だけに表示）、チャンネルでボットにメンション、またはダイレクトメッセージ。例: `/als Muse細胞の治験の結果は？`"
	}
	return "How to ask: `/als your question` (only you see the answer), mention the bot in a channel, or send it a direct message. For example: `/als What were the Muse trial results?`"
}

// escape makes text safe in mrkdwn: Slack reads &, < and > as markup.
func escape(s string) string {
	return escaper.Replace(s)
}

var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// escapedLen is how many characters r takes once escaped.
func escapedLen(r rune) int {
	switch r {
	case '&':
		return 5
	case '<', '>':
		return 4
	}
	return 1
}

// splitText escapes text and cuts it into parts of at most limit
// characters each (counted once escaped), where a reader would: paragraph
// breaks, line breaks, after a sentence, and never inside a character
// (see alsbot/adapters/textsplit); text beyond total characters is
// dropped for an ellipsis.
func splitText(text string, limit, total int) []string {
	text = strings.TrimSpace(text)
	if textLen(text) > total {
		text = text[:textsplit.Cut(text, total-1, escapedLen)] + "…"
	}
	var parts []string
	for _, p := range textsplit.Split(text, limit, escapedLen) {
		if p = strings.TrimSpace(p); p != "" {
			parts = append(parts, escape(p))
		}
	}
	return parts
}

// textLen is the escaped length of s in characters.
func textLen(s string) int { return textsplit.Len(s, escapedLen) }

// clip cuts s to at most n characters, ending with an ellipsis when cut.
// It does not split an escape (&amp;) in two.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	rs := []rune(s)[:n-1]
	if i := strings.LastIndexByte(string(rs), '&'); i >= 0 && !strings.Contains(string(rs)[i:], ";") {
		return strings.TrimSpace(string(rs)[:i]) + "…"
	}
	return strings.TrimSpace(string(rs)) + "…"
}

// plainText turns the text of a Slack message into the question it asks:
// the bot's own mention goes, other mentions and links become their
// labels, and Slack's escapes are undone.
func plainText(s, botUser string) string {
	var b strings.Builder
	for {
		j := strings.IndexByte(s, '>')
		if j < 0 {
			break
		}
		i := strings.LastIndexByte(s[:j], '<')
		if i < 0 {
			b.WriteString(s[:j+1])
			s = s[j+1:]
			continue
		}
		b.WriteString(s[:i])
		b.WriteString(markupLabel(s[i+1:j], botUser))
		s = s[j+1:]
	}
	b.WriteString(s)
	out := strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(b.String())
	return strings.Join(strings.Fields(out), " ")
}

// markupLabel is what a <…> markup in a Slack message reads as.
func markupLabel(m, botUser string) string {
	target, label, hasLabel := strings.Cut(m, "|")
	switch {
	case strings.HasPrefix(target, "@"):
		if target[1:] == botUser || hasLabel && label == "" {
			return " "
		}
		if hasLabel {
			return " @" + label + " "
		}
		return " "
	case strings.HasPrefix(target, "#"):
		if hasLabel && label != "" {
			return " #" + label + " "
		}
		return " "
	case strings.HasPrefix(target, "!"):
		return " " // @here, @channel, dates: nothing to ask about
	}
	if hasLabel && label != "" {
		return label
	}
	if target == "" {
		return " "
	}
	return target
}
