// Package terminal is the terminal adapter: an interactive chat with the
// bot on standard input and output, showing each answer with its sources
// and the suggested follow-ups.
package terminal

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"alsbot/bot"
)

// Chat reads questions line by line from in and writes the bot's replies to
// out until in ends or the user types "quit". A number picks one of the
// suggestions of the previous reply.
func Chat(ctx context.Context, b bot.Asker, in io.Reader, out io.Writer) error {
	w := bufio.NewWriter(out)
	defer w.Flush()
	last := b.Ask(ctx, bot.Question{Kind: bot.AskMenu, Lang: "ja", Channel: "cli"})
	Print(w, last)
	fmt.Fprint(w, "\n> ")
	w.Flush()
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		if err := ctx.Err(); err != nil {
			return err
		}
		line := strings.TrimSpace(sc.Text())
		switch line {
		case "":
			fmt.Fprint(w, "> ")
			w.Flush()
			continue
		case "quit", "exit", "終了":
			return nil
		}
		q := bot.Question{Text: line, Lang: last.Lang, Channel: "cli", Conversation: "cli:chat"}
		if s, ok := pick(last, line); ok {
			q.Text, q.Entry = s.Question, s.Entry
		}
		r := b.Ask(ctx, q)
		fmt.Fprintln(w)
		Print(w, r)
		fmt.Fprint(w, "\n> ")
		w.Flush()
		last = r
	}
	return sc.Err()
}

// pick returns the suggestion of the last reply a typed number chooses.
func pick(last bot.Reply, line string) (bot.Suggestion, bool) {
	n, err := strconv.Atoi(line)
	if err != nil || n < 1 || n > len(last.Suggestions) {
		return bot.Suggestion{}, false
	}
	return last.Suggestions[n-1], true
}

// Print writes a reply as a terminal user reads it.
func Print(w io.Writer, r bot.Reply) {
	fmt.Fprintln(w, r.Text)
	if len(r.Sources) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, label(r.Lang, "出典:", "Sources:"))
		for _, s := range r.Sources {
			line := "  - " + s.Title
			if s.Publisher != "" {
				line += " (" + s.Publisher + ", " + s.Date + ")"
			}
			if s.URL != "" {
				line += "\n    " + s.URL
			}
			fmt.Fprintln(w, line)
		}
	}
	if r.Notice != "" {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "※ "+r.Notice)
	}
	if len(r.Suggestions) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, label(r.Lang, "番号で選べます:", "Type a number to ask:"))
		for i, s := range r.Suggestions {
			fmt.Fprintf(w, "  %d. %s\n", i+1, s.Label)
		}
	}
}

func label(lang, ja, en string) string {
	if lang == "en" {
		return en
	}
	return ja
}
