// Command alsbot answers questions about ALS therapies from a curated
// knowledge base: as a server for LINE, Slack and a browser preview
// (serve), from the shell (ask), in a terminal chat (chat), and with tools
// for maintainers (validate, eval, export, misses).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		if err != errUsage {
			fmt.Fprintln(os.Stderr, "alsbot:", err)
		}
		os.Exit(exitCode(err))
	}
}

const usage = `alsbot answers questions about ALS therapies from a curated knowledge base.

Usage:
  alsbot serve [--addr HOST:PORT] [--kb DIR]      serve the browser preview, LINE and Slack (see the README)
  alsbot ask [--json] [--explain] [--conversation] [--kb DIR] [QUESTION ...]
                                                  answer each question (or each line of standard input);
                                                  with --conversation they are the turns of one conversation
  alsbot chat [--kb DIR]                          chat in the terminal
  alsbot validate [--kb DIR] [--strict] [--max-age 180d]
                                                  check the knowledge base and the source register:
                                                  every figure grounded in a cited source, reviews fresh
  alsbot eval [--kb DIR] [--json] [--min-top1 X ...] FILE
                                                  score the bot on a question set (testdata/questions.yaml)
  alsbot export [--kb DIR] --format json|markdown  the whole knowledge base with its sources
  alsbot misses [--since 7d] [--db PATH]           questions the bot could not answer, grouped
  alsbot line richmenu [--image FILE] [--font FILE] [--out FILE]
                                                  draw the LINE rich menu and make it the account's default
                                                  (LINE_CHANNEL_ACCESS_TOKEN; --out only writes the image)

Flags common to all commands:
  --kb DIR      read the knowledge base from DIR instead of the built-in one (env ALSBOT_KB)
  --seeds DIR   read the source register from DIR (env ALSBOT_SEEDS; default: DIR/../seeds
                when --kb is given and that directory exists, else the built-in register)
`

// run is the whole command, with its environment passed in so tests can
// drive it.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	cmd, args := args[0], args[1:]
	switch cmd {
	case "ask":
		return runAsk(ctx, args, getenv, stdin, stdout, stderr)
	case "chat":
		return runChat(ctx, args, getenv, stdin, stdout, stderr)
	case "validate":
		return runValidate(ctx, args, getenv, stdout, stderr)
	case "eval":
		return runEval(ctx, args, getenv, stdout, stderr)
	case "export":
		return runExport(ctx, args, getenv, stdout, stderr)
	case "misses":
		return runMisses(ctx, args, getenv, stdout, stderr)
	case "serve":
		return runServe(ctx, args, getenv, stdout, stderr)
	case "line":
		return runLine(ctx, args, getenv, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "alsbot: unknown command %q\n\n%s", cmd, usage)
	return errUsage
}
