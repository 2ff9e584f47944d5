package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"alsbot/adapters/terminal"
	"alsbot/bot"
	"alsbot/knowledge"
)

// errUsage is returned after a usage message has been printed.
var errUsage = errors.New("usage")

// errInvalid is returned by validate when the knowledge base has problems,
// after they have been printed.
var errInvalid = errors.New("the knowledge base has problems")

func exitCode(err error) int {
	if err == errUsage {
		return 2
	}
	return 1
}

// kbFlags are the flags that say where the knowledge base is.
type kbFlags struct {
	kb, seeds string
	// getenv reads the environment (ALSBOT_DOCUMENTS).
	getenv func(string) string
}

func (f *kbFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	f.getenv = getenv
	fs.StringVar(&f.kb, "kb", getenv("ALSBOT_KB"), "knowledge-base `DIR` (default: built in)")
	fs.StringVar(&f.seeds, "seeds", getenv("ALSBOT_SEEDS"), "source-register `DIR` (default: DIR/../seeds of --kb, else built in)")
}

// dirs returns the knowledge base and source register to read.
func (f *kbFlags) dirs() (kb, src knowledge.Dir) {
	kb, src = knowledge.Shipped()
	if f.kb != "" {
		kb = knowledge.Dir{FS: os.DirFS(f.kb), Path: filepath.ToSlash(f.kb)}
		sibling := filepath.Join(f.kb, "..", "seeds")
		if st, err := os.Stat(sibling); err == nil && st.IsDir() {
			src = knowledge.Dir{FS: os.DirFS(sibling), Path: filepath.ToSlash(sibling)}
		}
	}
	if f.seeds != "" {
		src = knowledge.Dir{FS: os.DirFS(f.seeds), Path: filepath.ToSlash(f.seeds)}
	}
	return kb, src
}

// load reads the knowledge base through validate's checks and builds the
// bot. A knowledge base with problems is refused; example questions that
// go to another entry are reported on stderr, and the bot still answers,
// so that a maintainer can ask it why (ask --explain).
func (f *kbFlags) load(stderr io.Writer) (*bot.Bot, error) {
	b, astray, err := checkedBot(context.Background(), *f)
	if err != nil {
		return nil, fmt.Errorf("the knowledge base has problems (run alsbot validate):\n%w", err)
	}
	for _, p := range knowledge.Problems(astray) {
		fmt.Fprintf(stderr, "warning: alsbot validate rejects this: %s\n", p.Error())
	}
	return b, nil
}

// validKB reads the knowledge base as every command sees it, valid in
// one sense: it loads (structure, references, rules), every figure is
// recorded by a cited source, and no answer copies a document it cites
// (when the documents are at hand: ALSBOT_DOCUMENTS, or ../shared/seeds).
// The problems are returned joined.
func validKB(f kbFlags) (*knowledge.KB, knowledge.Dir, error) {
	kbDir, srcDir := f.dirs()
	kb, err := knowledge.Load(kbDir, srcDir)
	if err != nil {
		return nil, kbDir, err
	}
	err = knowledge.Ground(kb, kbDir)
	if docs := documentsDir(f.getenv); docs != "" {
		err = errors.Join(err, knowledge.Copies(kb, kbDir, os.DirFS(docs)))
	}
	if err != nil {
		return nil, kbDir, err
	}
	return kb, kbDir, nil
}

// validBot is validKB's knowledge base as a bot, whose every example
// question gets its own entry: what serve swaps in, and validate accepts.
func validBot(ctx context.Context, f kbFlags, opts ...bot.Option) (*bot.Bot, error) {
	b, astray, err := checkedBot(ctx, f, opts...)
	if err != nil {
		return nil, err
	}
	if astray != nil {
		return nil, astray
	}
	return b, nil
}

// checkedBot builds the bot over validKB's knowledge base, and reports
// apart the example questions that go to another entry.
func checkedBot(ctx context.Context, f kbFlags, opts ...bot.Option) (b *bot.Bot, astray, err error) {
	kb, _, err := validKB(f)
	if err != nil {
		return nil, nil, err
	}
	if b, err = bot.New(kb, opts...); err != nil {
		return nil, nil, err
	}
	return b, b.Check(ctx), nil
}

// documentsDir is where the source documents are, for the copy check,
// or "" when they are not at hand.
func documentsDir(getenv func(string) string) string {
	d := defaultDocuments
	if getenv != nil {
		d = envOr(getenv, "ALSBOT_DOCUMENTS", defaultDocuments)
	}
	if st, err := os.Stat(d); err == nil && st.IsDir() {
		return d
	}
	return ""
}

func parse(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return errUsage // the flag package has printed what was wrong
	}
	return nil
}

func runAsk(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("ask", flag.ContinueOnError)
	var kf kbFlags
	kf.register(fs, getenv)
	asJSON := fs.Bool("json", false, "print each reply as one JSON object per line")
	explain := fs.Bool("explain", false, "also print the best matching entries and their scores")
	conversation := fs.Bool("conversation", false, "treat the questions as the turns of one conversation, so follow-ups are understood in context")
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	conv := ""
	if *conversation {
		conv = "cli:ask"
	}
	b, err := kf.load(stderr)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(stdout)
	defer w.Flush()
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	answer := func(q string) error {
		r := b.Ask(ctx, bot.Question{Text: q, Channel: "cli", Conversation: conv})
		if *explain {
			rd := b.Read(q)
			fmt.Fprintf(w, "# read: topics %v, facets %v\n", rd.Topics, rd.Facets)
			for _, t := range b.Trips(q) {
				how := "matches"
				switch {
				case t.InGeneral:
					how = "cancelled, unless someone is named, by"
				case t.Except:
					how = "cancelled by"
				case t.Someone:
					how = "names someone (no exception in general applies):"
				}
				fmt.Fprintf(w, "# rule %s %s %s (in %q)\n", t.Rule, how, t.By, t.Form)
			}
			for _, m := range b.Search(q, 4) {
				fmt.Fprintf(w, "# %-22s score %6.2f  coverage %.2f (known words %.2f)  similarity %.2f  evidence %.1f\n", m.Entry.ID, m.Score, m.Coverage, m.Known, m.Similarity, m.Matched)
			}
			what := strings.TrimSpace(r.Rule + " " + r.Entry)
			if r.Rule != "" && r.Entry != "" {
				what = r.Rule + ", then " + r.Entry
			}
			fmt.Fprintf(w, "# decided: %s %s, by %s\n", r.Kind, what, r.Reason)
		}
		if *asJSON {
			return enc.Encode(r)
		}
		terminal.Print(w, r)
		_, err := fmt.Fprintln(w)
		return err
	}
	if fs.NArg() > 0 {
		for _, q := range fs.Args() {
			if err := answer(q); err != nil {
				return err
			}
		}
		return nil
	}
	sc := bufio.NewScanner(stdin)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		if err := answer(sc.Text()); err != nil {
			return err
		}
		w.Flush()
	}
	return sc.Err()
}

func runChat(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("chat", flag.ContinueOnError)
	var kf kbFlags
	kf.register(fs, getenv)
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	b, err := kf.load(stderr)
	if err != nil {
		return err
	}
	return terminal.Chat(ctx, b, stdin, stdout)
}

// defaultDocuments is where the source documents are kept: the shared
// folder beside the checkout.
const defaultDocuments = "../shared/seeds"

func runValidate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	var kf kbFlags
	kf.register(fs, getenv)
	strict := fs.Bool("strict", false, "fail on warnings too: stale reviews, old as-of dates, time-bound answers without as_of")
	maxAge := fs.String("max-age", "180d", "warn when a review or an as-of date is older than `AGE` (180d, 26w, 4320h)")
	docs := fs.String("documents", envOr(getenv, "ALSBOT_DOCUMENTS", defaultDocuments),
		"check answers for sentences copied from the source documents in `DIR` (env ALSBOT_DOCUMENTS)")
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	age, err := parseAge(*maxAge)
	if err != nil {
		fmt.Fprintf(stderr, "alsbot validate: --max-age: %v\n", err)
		return errUsage
	}
	kbDir, srcDir := kf.dirs()
	kb, err := knowledge.Load(kbDir, srcDir)
	var warnings []*knowledge.Problem
	if err == nil {
		// What serve, ask, chat, eval and export accept (validBot),
		// with the copy check's folder as given here.
		var b *bot.Bot
		if b, err = bot.New(kb); err == nil {
			err = b.Check(ctx)
		}
		var stale error
		warnings, stale = knowledge.Freshness(kb, kbDir, time.Now(), age)
		warnings = append(warnings, knowledge.Readability(kb, kbDir)...)
		if kb.Clinic.Placeholder {
			warnings = append(warnings, &knowledge.Problem{Pos: kb.Clinic.Pos,
				Msg: "the clinic's profile is still the placeholder: fill in its name, phone and hours, then set placeholder: false, so that replies tell patients how to reach a person"})
		}
		err = errors.Join(err, knowledge.Ground(kb, kbDir), stale)
		if st, serr := os.Stat(*docs); serr == nil && st.IsDir() {
			err = errors.Join(err, knowledge.Copies(kb, kbDir, os.DirFS(*docs)))
		} else {
			fmt.Fprintf(stderr, "note: no source documents at %s, so answers were not checked for copied sentences (give --documents DIR)\n", *docs)
		}
	}
	for _, w := range warnings {
		fmt.Fprintf(stderr, "%s:%d: warning: %s\n", w.Pos.File, w.Pos.Line, w.Msg)
	}
	if err != nil {
		problems := knowledge.Problems(err)
		for _, p := range problems {
			fmt.Fprintln(stdout, p.Error())
		}
		fmt.Fprintf(stderr, "%d problems, %d warnings\n", len(problems), len(warnings))
		return errInvalid
	}
	if *strict && len(warnings) > 0 {
		fmt.Fprintf(stderr, "%d warnings (--strict fails on warnings)\n", len(warnings))
		return errInvalid
	}
	fmt.Fprintf(stdout, "ok: %d entries, %d rules, %d synonym groups, %d sources, %d warnings\n",
		len(kb.Entries), len(kb.Rules), len(kb.Synonyms), len(kb.Sources), len(warnings))
	return nil
}
