package eval

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Floors are the least figures a run must reach; a zero floor is not
// checked.
type Floors struct {
	// Top1, Top3 and MRR hold for every language and for all together.
	Top1, Top3, MRR float64
	// Refusal is the least share of out-of-scope questions refused, for
	// every language and for all together.
	Refusal float64
	// Rules is the least share of its questions each rule must catch
	// (1 for emergencies: every one).
	Rules float64
}

// Check returns an error naming every figure of rep below its floor.
func (rep *Report) Check(f Floors) error {
	var errs []error
	below := func(what string, got, floor float64) {
		if floor > 0 && got < floor {
			errs = append(errs, fmt.Errorf("%s %.3f is below the floor %.3f", what, got, floor))
		}
	}
	for _, l := range rep.Languages {
		if l.InScope > 0 {
			below(l.Lang+" top-1", l.Top1, f.Top1)
			below(l.Lang+" top-3", l.Top3, f.Top3)
			below(l.Lang+" MRR", l.MRR, f.MRR)
		}
		if l.OutOfScope > 0 {
			below(l.Lang+" out-of-scope refusal", l.Refusal, f.Refusal)
		}
	}
	for _, r := range rep.Rules {
		below("rule "+r.Rule+" caught", r.Rate(), f.Rules)
	}
	return errors.Join(errs...)
}

// MaxConfusionQuestions is how many questions of each confusion the text
// report shows.
const MaxConfusionQuestions = 3

// WriteText writes the report for a person to read.
func (rep *Report) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	th := rep.Thresholds
	fmt.Fprintf(ew, "%d questions; thresholds: coverage %.2f, score %.1f, clarify ratio %.2f, similarity weight %.1f, margin %.2f\n\n",
		rep.Questions, th.MinCoverage, th.MinScore, th.ClarifyRatio, th.SimilarityWeight, th.SimilarityMargin)

	fmt.Fprintln(ew, "In scope: top-1 = answered with the right entry; top-3 = answered, or in the ranking's first three;")
	fmt.Fprintln(ew, "MRR = mean reciprocal rank in the ranking; ranked 1st = first in the ranking, whatever was decided.")
	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "lang\tin scope\ttop-1\ttop-3\tMRR\tranked 1st\tclarified\trefused\tout of scope\trefused\t")
	for _, l := range rep.Languages {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%.3f\t%s\t%s\t%s\t%d\t%s\t\n", l.Lang, l.InScope, pct(l.Top1), pct(l.Top3), l.MRR,
			pct(l.RankedFirst), pct(l.Clarified), pct(l.Refused), l.OutOfScope, pct(l.Refusal))
	}
	tw.Flush()

	fmt.Fprintf(ew, "\nAll questions right: %s of %d. Confident wrong answers (an entry the question does not want): %d (%s)\n",
		pct(rep.Right), rep.Questions, len(rep.WrongAnswers), pct(rate(len(rep.WrongAnswers), rep.Questions)))
	for _, r := range rep.WrongAnswers {
		fmt.Fprintf(ew, "    %q (line %d) wanted %s, got %s\n", r.Question.Q, r.Question.Line, r.Question.Want, r.Got)
	}

	fmt.Fprintln(ew, "\nRules caught:")
	tw = tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	for _, r := range rep.Rules {
		fmt.Fprintf(tw, "  %s\t%d/%d\t%s\n", r.Rule, r.Caught, r.Total, pct(r.Rate()))
	}
	tw.Flush()
	fmt.Fprintf(ew, "  false alarms (a rule fired on a question that wanted none): %d\n", len(rep.FalseAlarms))
	for _, f := range rep.FalseAlarms {
		fmt.Fprintf(ew, "    %q (line %d) wanted %s, got %s\n", f.Question.Q, f.Question.Line, f.Question.Want, f.Got)
	}

	fmt.Fprintf(ew, "\nConfusions (wanted → got), most frequent first: %d kinds\n", len(rep.Confusions))
	for _, c := range rep.Confusions {
		fmt.Fprintf(ew, "  %s → %s  ×%d\n", c.Want, c.Got, len(c.Questions))
		for i, q := range c.Questions {
			if i == MaxConfusionQuestions {
				fmt.Fprintf(ew, "      … and %d more (--json lists all)\n", len(c.Questions)-i)
				break
			}
			fmt.Fprintf(ew, "      %q\n", q)
		}
	}

	if len(rep.Sweep) > 0 {
		fmt.Fprintln(ew, "\nThreshold sweep (all languages): how in-scope top-1 and out-of-scope refusal trade off")
		tw = tabwriter.NewWriter(ew, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "coverage\tclarify ratio\tfacet coverage\ttop-1\tclarified\trefused (out of scope)\t")
		for _, p := range rep.Sweep {
			mark := ""
			if p.Current {
				mark = "  ← current"
			}
			fmt.Fprintf(tw, "%.2f\t%.2f\t%.2f\t%s\t%s\t%s\t%s\n", p.Thresholds.MinCoverage, p.Thresholds.ClarifyRatio, p.Thresholds.FacetMinCoverage,
				pct(p.Top1), pct(p.Clarified), pct(p.Refusal), mark)
		}
		tw.Flush()
	}
	return ew.err
}

func pct(f float64) string { return fmt.Sprintf("%.1f%%", 100*f) }

// errWriter keeps the first write error so the report can be written
// without checking every line.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return len(p), nil
	}
	_, e.err = e.w.Write(p)
	return len(p), nil
}

// Summary is one line with the headline figures, for logs and CI.
func (rep *Report) Summary() string {
	var parts []string
	for _, l := range rep.Languages {
		parts = append(parts, fmt.Sprintf("%s top-1 %s top-3 %s MRR %.3f refusal %s", l.Lang, pct(l.Top1), pct(l.Top3), l.MRR, pct(l.Refusal)))
	}
	caught, total := 0, 0
	for _, r := range rep.Rules {
		caught += r.Caught
		total += r.Total
	}
	parts = append(parts, fmt.Sprintf("rules %d/%d", caught, total))
	return strings.Join(parts, "; ")
}
