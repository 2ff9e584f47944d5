package line

import (
	"strings"
	"unicode"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

	"alsbot/adapters/textsplit"
	"alsbot/bot"
)

// LINE's limits (../shared/notes/line.md).
const (
	maxMessages   = 5    // messages in one reply or push
	maxTextUnits  = 4999 // a text message is under 5000 UTF-16 code units
	maxQuickReply = 13   // quick-reply buttons
	maxLabelUnits = 20   // a button label
	maxActionText = 300  // a message action's text, a postback's data and displayText
)

// render turns a reply into LINE messages: the answer (split at paragraphs
// when long), its sources, the notice, and the suggestions as quick-reply
// buttons on the last message. A silent reply gives no messages.
func render(r bot.Reply) []messaging_api.MessageInterface {
	if r.Kind == bot.KindSilent {
		return nil
	}
	texts := layout(r)
	if len(texts) == 0 {
		return nil
	}
	msgs := make([]messaging_api.MessageInterface, len(texts))
	for i, t := range texts {
		msgs[i] = &messaging_api.TextMessage{Text: t}
	}
	if qr := quickReply(r); qr != nil {
		msgs[len(msgs)-1].(*messaging_api.TextMessage).QuickReply = qr
	}
	return msgs
}

// layout arranges a reply's text in at most five messages, each within
// LINE's length limit: the answer's paragraphs, then the sources, then
// the notice, each in its own message when there is room.
func layout(r bot.Reply) []string {
	answer := strings.TrimSpace(r.Text)
	var tails []string
	if s := sourcesText(r); s != "" {
		tails = append(tails, s)
	}
	if n := strings.TrimSpace(r.Notice); n != "" {
		tails = append(tails, n)
	}
	var body []string
	if answer != "" {
		body = textsplit.Split(answer, maxTextUnits, textsplit.UTF16)
	}
	if len(body)+len(tails) <= maxMessages {
		return append(body, tails...)
	}
	// Too many: the sources and notice share the answer's messages.
	all := textsplit.Split(strings.Join(append([]string{answer}, tails...), "\n\n"), maxTextUnits, textsplit.UTF16)
	if len(all) <= maxMessages {
		return all
	}
	// An answer longer than LINE can take in one go (about 20,000
	// characters): keep its beginning, and always the sources and notice.
	room := maxMessages
	if len(tails) > 0 {
		room--
	}
	if len(body) > room {
		body = body[:room]
		last := body[room-1]
		if units(last)+2 > maxTextUnits {
			last = last[:textsplit.Cut(last, maxTextUnits-2, textsplit.UTF16)]
		}
		body[room-1] = last + "\n…"
	}
	if len(tails) > 0 {
		tail := strings.Join(tails, "\n\n")
		if units(tail) > maxTextUnits {
			tail = tail[:textsplit.Cut(tail, maxTextUnits-1, textsplit.UTF16)] + "…"
		}
		body = append(body, tail)
	}
	return body
}

// sourcesText lists a reply's sources: title, publisher and date, then
// the link on its own line so that LINE makes it tappable.
func sourcesText(r bot.Reply) string {
	if len(r.Sources) == 0 {
		return ""
	}
	var b strings.Builder
	ja := r.Lang != "en"
	if ja {
		b.WriteString("出典:")
	} else {
		b.WriteString("Sources:")
	}
	for _, s := range r.Sources {
		b.WriteString("\n")
		if ja {
			b.WriteString("・")
		} else {
			b.WriteString("- ")
		}
		b.WriteString(s.Title)
		var about []string
		for _, a := range []string{s.Publisher, s.Date} {
			if a != "" {
				about = append(about, a)
			}
		}
		if len(about) > 0 {
			if ja {
				b.WriteString("（" + strings.Join(about, "、") + "）")
			} else {
				b.WriteString(" (" + strings.Join(about, ", ") + ")")
			}
		}
		if s.URL != "" {
			b.WriteString("\n" + s.URL)
		}
	}
	if r.Reviewed != "" {
		if ja {
			b.WriteString("\n（この回答の確認：" + strings.Replace(r.Reviewed, "-", "年", 1) + "月）")
		} else {
			b.WriteString("\n(answer reviewed " + r.Reviewed + ")")
		}
	}
	return b.String()
}

// quickReply offers a reply's numbers to call and its suggestions as
// buttons. A suggestion that
// names an entry becomes a postback answering that entry directly; the
// chat shows the question as if the user had typed it.
func quickReply(r bot.Reply) *messaging_api.QuickReply {
	var items []messaging_api.QuickReplyItem
	// The numbers to call come first, each one tap to dial.
	for _, c := range r.Calls {
		if len(items) == maxQuickReply {
			break
		}
		label := cutLabel(firstNonEmpty(c.Label, c.Number), maxLabelUnits)
		items = append(items, messaging_api.QuickReplyItem{Type: "action", Action: &messaging_api.UriAction{Label: label, Uri: "tel:" + c.Number}})
	}
	for _, s := range r.Suggestions {
		if len(items) == maxQuickReply {
			break
		}
		label := cutLabel(firstNonEmpty(s.Label, s.Question), maxLabelUnits)
		shown := firstNonEmpty(s.Question, s.Label)
		if label == "" {
			continue
		}
		if units(shown) > maxActionText {
			shown = cutLabel(shown, maxActionText)
		}
		var act messaging_api.ActionInterface = &messaging_api.MessageAction{Label: label, Text: shown}
		if data := postbackData(s.Entry, r.Lang); s.Entry != "" && len(data) <= maxActionText {
			act = &messaging_api.PostbackAction{Label: label, Data: data, DisplayText: shown}
		}
		items = append(items, messaging_api.QuickReplyItem{Type: "action", Action: act})
	}
	if len(items) == 0 {
		return nil
	}
	return &messaging_api.QuickReply{Items: items}
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

// units is the length of s in UTF-16 code units, as LINE counts.
func units(s string) int { return textsplit.Len(s, textsplit.UTF16) }

// cutLabel shortens s to max UTF-16 units, ending with "…": after a word,
// a phrase or a particle when one ends in the second half, never inside a
// character.
func cutLabel(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if units(s) <= max {
		return s
	}
	end := textsplit.Cut(s, max-1, textsplit.UTF16)
	best, n := 0, 0
	prev := rune(-1)
	for i, r := range s[:end] + "\x00" {
		if i > 0 && n >= (max-1)/2 && textsplit.Breakable(prev, r) && goodBreak(prev, r) {
			best = i
		}
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
		prev = r
	}
	if best > 0 {
		end = best
	}
	head := strings.TrimRightFunc(s[:end], func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune("、・，,:：;；/／-(（「『【", r)
	})
	if head == "" {
		head = s[:end]
	}
	return head + "…"
}

// goodBreak reports whether a label reads well cut between a and b: at a
// space, around punctuation and brackets, or where a Japanese particle
// (hiragana) meets the next word in kanji or katakana.
func goodBreak(a, b rune) bool {
	switch {
	case b == ' ', a == ' ':
		return true
	case strings.ContainsRune("(（「『【", b), strings.ContainsRune("、。・，,:：;；/／)）」』】", a):
		return true
	case unicode.Is(unicode.Hiragana, a) && (unicode.Is(unicode.Han, b) || unicode.Is(unicode.Katakana, b)):
		return true
	}
	return false
}
