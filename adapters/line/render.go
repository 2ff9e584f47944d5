package line

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

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
		body = split(answer, maxTextUnits)
	}
	if len(body)+len(tails) <= maxMessages {
		return append(body, tails...)
	}
	// Too many: the sources and notice share the answer's messages.
	all := split(strings.Join(append([]string{answer}, tails...), "\n\n"), maxTextUnits)
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
			last = last[:cut(last, maxTextUnits-2)]
		}
		body[room-1] = last + "\n…"
	}
	if len(tails) > 0 {
		tail := strings.Join(tails, "\n\n")
		if units(tail) > maxTextUnits {
			tail = tail[:cut(tail, maxTextUnits-1)] + "…"
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
	return b.String()
}

// quickReply offers a reply's suggestions as buttons. A suggestion that
// names an entry becomes a postback answering that entry directly; the
// chat shows the question as if the user had typed it.
func quickReply(r bot.Reply) *messaging_api.QuickReply {
	var items []messaging_api.QuickReplyItem
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

// piece is a part of a text with the separator that came before it.
type piece struct{ sep, text string }

// split cuts text into parts of at most max UTF-16 units, at paragraph
// breaks where it can, then at line breaks, then after sentences, and only
// as a last resort inside a sentence (never inside a character).
func split(text string, max int) []string {
	var ps []piece
	for i, para := range strings.Split(text, "\n\n") {
		sep := "\n\n"
		if i == 0 {
			sep = ""
		}
		ps = appendPieces(ps, sep, para, max)
	}
	var out []string
	var cur strings.Builder
	n := 0
	for _, p := range ps {
		pn := units(p.text)
		if cur.Len() > 0 && n+units(p.sep)+pn > max {
			out = append(out, cur.String())
			cur.Reset()
			n = 0
		}
		if cur.Len() > 0 {
			cur.WriteString(p.sep)
			n += units(p.sep)
		}
		cur.WriteString(p.text)
		n += pn
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

// appendPieces adds text as pieces of at most max units.
func appendPieces(ps []piece, sep, text string, max int) []piece {
	if units(text) <= max {
		return append(ps, piece{sep, text})
	}
	if lines := strings.Split(text, "\n"); len(lines) > 1 {
		for i, l := range lines {
			s := "\n"
			if i == 0 {
				s = sep
			}
			ps = appendPieces(ps, s, l, max)
		}
		return ps
	}
	if ss := sentences(text); len(ss) > 1 {
		for i, s := range ss {
			if i > 0 {
				sep = ""
			}
			ps = appendPieces(ps, sep, s, max)
		}
		return ps
	}
	for text != "" {
		i := cut(text, max)
		if i == 0 { // max is narrower than one character
			_, i = utf8.DecodeRuneInString(text)
		}
		ps = append(ps, piece{sep, text[:i]})
		text, sep = text[i:], ""
	}
	return ps
}

// sentences cuts text after each sentence end, keeping the punctuation
// and the spaces after it with the sentence.
func sentences(text string) []string {
	var out []string
	start := 0
	for i, r := range text {
		if i < start {
			continue
		}
		end := i + utf8.RuneLen(r)
		switch r {
		case '。', '！', '？', '!', '?', '.':
		default:
			continue
		}
		if r == '.' && end < len(text) && text[end] != ' ' {
			continue // 0.47, e.g.
		}
		for end < len(text) && (text[end] == ' ' || text[end] == '\n') {
			end++
		}
		if end < len(text) {
			out = append(out, text[start:end])
			start = end
		}
	}
	return append(out, text[start:])
}

// units is the length of s in UTF-16 code units, as LINE counts.
func units(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// cut returns the byte length of the longest beginning of s within max
// UTF-16 units that ends between two characters a reader sees as such: not
// inside a surrogate pair, not before a combining mark, a variation
// selector, a skin tone or after a zero-width joiner. It is at least one
// character when max allows one.
func cut(s string, max int) int {
	n, end, prev := 0, 0, rune(-1)
	for i, r := range s {
		w := 1
		if r >= 0x10000 {
			w = 2
		}
		if n+w > max {
			if i > 0 && (end == 0 || breakable(prev, r)) {
				return i // here, or inside one long cluster rather than nothing
			}
			return end
		}
		if i > 0 && breakable(prev, r) {
			end = i
		}
		n += w
		prev = r
	}
	return len(s)
}

// breakable reports whether text may be cut between a and b.
func breakable(a, b rune) bool {
	switch {
	case a == 0x200D, b == 0x200D: // zero-width joiner
		return false
	case unicode.In(b, unicode.Mn, unicode.Me, unicode.Mc):
		return false
	case b >= 0xFE00 && b <= 0xFE0F, b >= 0xE0100 && b <= 0xE01EF: // variation selectors
		return false
	case b >= 0x1F3FB && b <= 0x1F3FF: // skin tones
		return false
	case b >= 0xE0020 && b <= 0xE007F: // emoji tags
		return false
	case isRegional(a) && isRegional(b): // flags
		return false
	}
	return true
}

func isRegional(r rune) bool { return r >= 0x1F1E6 && r <= 0x1F1FF }

// cutLabel shortens s to max UTF-16 units, ending with "…": after a word,
// a phrase or a particle when one ends in the second half, never inside a
// character.
func cutLabel(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if units(s) <= max {
		return s
	}
	end := cut(s, max-1)
	best, n := 0, 0
	prev := rune(-1)
	for i, r := range s[:end] + "\x00" {
		if i > 0 && n >= (max-1)/2 && breakable(prev, r) && goodBreak(prev, r) {
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
