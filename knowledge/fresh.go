package knowledge

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// DefaultMaxAge is how long a review stays fresh: after it, validate warns
// that the entry should be checked against its sources again.
const DefaultMaxAge = 180 * 24 * time.Hour

// timeBound are phrases that make an answer true only at a time ("ongoing
// as of 2025"); an answer with one needs an as_of date.
var timeBound = []string{"as of", "ongoing", "currently", "at present", "時点", "現在", "進行中", "今のところ"}

// Freshness checks how old the knowledge base's reviews are, at now:
//
//   - an entry reviewed more than maxAge ago (or on a date still to come)
//     is a warning: medical answers drift, and someone should check it
//     against its sources again;
//   - an as_of date older than maxAge is a warning: the time-bound
//     statement it dates ("ongoing as of 2025") may no longer hold;
//   - an answer with a time-bound phrase ("as of", "ongoing", 時点,
//     現在, 進行中) but no as_of date is a warning;
//   - a help line checked more than maxAge ago, or checked only against
//     other sites than its operator's, is a warning.
//
// A date given as a year or a month (as_of: "2025") counts from its last
// day. An as_of that is not a date is an error, returned joined as
// *Problem values. d is the directory kb was loaded from, for lines.
func Freshness(kb *KB, d Dir, now time.Time, maxAge time.Duration) (warnings []*Problem, err error) {
	if maxAge <= 0 {
		maxAge = DefaultMaxAge
	}
	lines := locateEntries(d)
	var errs []error
	today := now.Format(time.DateOnly)
	for _, e := range kb.Entries {
		if reviewed, err := time.Parse(time.DateOnly, e.Reviewed); err == nil {
			at := lines.fieldLine(e, "reviewed")
			switch age := now.Sub(reviewed); {
			case e.Reviewed > today:
				warnings = append(warnings, &Problem{Pos: at, Msg: fmt.Sprintf("entry %q: reviewed %s is a date still to come", e.ID, e.Reviewed)})
			case age > maxAge:
				warnings = append(warnings, &Problem{Pos: at, Msg: fmt.Sprintf("entry %q: reviewed %s, %d days ago (more than %d): check it against its sources and update reviewed", e.ID, e.Reviewed, days(age), days(maxAge))})
			}
		}
		if e.AsOf != "" {
			at := lines.fieldLine(e, "as_of")
			end, err := periodEnd(e.AsOf)
			switch {
			case err != nil:
				errs = append(errs, &Problem{Pos: at, Msg: fmt.Sprintf("entry %q: as_of: %v", e.ID, err)})
			case now.Sub(end) > maxAge:
				warnings = append(warnings, &Problem{Pos: at, Msg: fmt.Sprintf("entry %q: the answer is true as of %s, %d days ago (more than %d): check that it still holds, then re-date as_of (or say what changed)", e.ID, e.AsOf, days(now.Sub(end)), days(maxAge))})
			}
			continue
		}
		for _, lang := range []string{JA, EN} {
			text := e.Answer.In(lang)
			if phrase, n, ok := findTimeBound(text); ok {
				warnings = append(warnings, &Problem{Pos: lines.answerLine(e, lang, n),
					Msg: fmt.Sprintf("entry %q: the %s answer is time-bound (%q) but the entry has no as_of date", e.ID, lang, phrase)})
				break
			}
		}
	}
	for _, h := range kb.HelpLines {
		checked, err := time.Parse(time.DateOnly, h.Checked)
		switch {
		case err != nil:
			// reported by Load
		case now.Sub(checked) > maxAge:
			warnings = append(warnings, &Problem{Pos: h.Pos, Msg: fmt.Sprintf("help line %s (%s): checked %s, %d days ago (more than %d): check its number, hours and cost again on %s, then update checked", h.Number, h.Name.In(EN), h.Checked, days(now.Sub(checked)), days(maxAge), h.Page)})
		case !h.OperatorChecked:
			warnings = append(warnings, &Problem{Pos: h.Pos, Msg: fmt.Sprintf("help line %s (%s): checked only against other sites' pages; check it on the operator's own page (%s), then set operator_checked: true", h.Number, h.Name.In(EN), h.Page)})
		}
	}
	sortProblems(warnings)
	return warnings, errors.Join(errs...)
}

// findTimeBound returns the first time-bound phrase of text and its line.
func findTimeBound(text string) (string, int, bool) {
	for n, line := range strings.Split(text, "\n") {
		lower := strings.ToLower(line)
		for _, p := range timeBound {
			if strings.Contains(lower, p) {
				return p, n, true
			}
		}
	}
	return "", 0, false
}

// periodEnd returns the last day of a date given as YYYY, YYYY-MM or
// YYYY-MM-DD.
func periodEnd(s string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01", s); err == nil {
		return t.AddDate(0, 1, -1), nil
	}
	if t, err := time.Parse("2006", s); err == nil {
		return t.AddDate(1, 0, -1), nil
	}
	return time.Time{}, fmt.Errorf("%q is not a date (write YYYY, YYYY-MM or YYYY-MM-DD)", s)
}

func days(d time.Duration) int { return int(d.Hours() / 24) }
