package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"alsbot/bot"
	"alsbot/bot/eval"
)

// errBelowFloor is returned by eval when a figure is below its floor,
// after the report and the shortfalls have been printed.
var errBelowFloor = errors.New("below the floors")

func runEval(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	var kf kbFlags
	kf.register(fs, getenv)
	asJSON := fs.Bool("json", false, "print the report as JSON")
	noSweep := fs.Bool("no-sweep", false, "skip the threshold sweep")
	var floors eval.Floors
	fs.Float64Var(&floors.Top1, "min-top1", 0, "fail when in-scope top-1 of any language is below `X` (0–1)")
	fs.Float64Var(&floors.Top3, "min-top3", 0, "fail when in-scope top-3 of any language is below `X`")
	fs.Float64Var(&floors.MRR, "min-mrr", 0, "fail when the mean reciprocal rank of any language is below `X`")
	fs.Float64Var(&floors.Refusal, "min-refusal", 0, "fail when the out-of-scope refusal of any language is below `X`")
	fs.Float64Var(&floors.Rules, "min-rules", 0, "fail when any rule catches less than `X` of its questions")
	th := bot.DefaultThresholds
	fs.Float64Var(&th.MinCoverage, "coverage", th.MinCoverage, "evaluate with this least coverage")
	fs.Float64Var(&th.ClarifyRatio, "clarify-ratio", th.ClarifyRatio, "evaluate with this clarify ratio")
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: alsbot eval [--kb DIR] [--json] [--min-top1 X ...] FILE")
		return errUsage
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	qs, err := eval.ReadQuestions(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", fs.Arg(0), err)
	}
	kb, _, err := validKB(kf)
	if err != nil {
		return fmt.Errorf("the knowledge base has problems (run alsbot validate):\n%w", err)
	}
	if err := eval.CheckWants(kb, qs); err != nil {
		return fmt.Errorf("%s: %w", fs.Arg(0), err)
	}
	opts := eval.Options{Thresholds: th}
	if *noSweep {
		opts.Sweep = []bot.Thresholds{}
	}
	rep, err := eval.Run(ctx, kb, qs, opts)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else if err := rep.WriteText(stdout); err != nil {
		return err
	}
	if err := rep.Check(floors); err != nil {
		fmt.Fprintf(stderr, "alsbot eval: below the floors:\n%v\n", err)
		return errBelowFloor
	}
	return nil
}
