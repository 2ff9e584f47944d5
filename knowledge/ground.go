package knowledge

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"golang.org/x/text/unicode/norm"
	"gopkg.in/yaml.v3"
)

// Ground checks that every figure, percentage, date, DOI, web address and
// named trial or product an answer states (in either language) is recorded
// by one of the sources the entry cites: in the source's facts, title,
// publisher, authors, date, DOI or URL. It returns every claim that is
// not, as a *Problem joined with errors.Join, at the line of the answer
// the claim is on:
//
//	knowledge/muse.yaml:42: 0.74 is in no cited source (okayama-muse-press-2023, yamashita-2023)
//
// d is the directory kb was loaded from, read again only to find those
// lines; with a zero Dir the problems point at the entry.
//
// Numbers are matched by value and, where both texts say, by what they
// count (5人, 5 patients and five patients are all 5 people, and are not
// recorded by "5 doses"); a date in an answer is recorded when a source records that
// date or a more precise one within it (2023 by 2023-11-28); a name when
// a source's text contains it as a word, ignoring case.
func Ground(kb *KB, d Dir) error {
	lines := locateEntries(d)
	records := map[string]*sourceRecord{}
	for _, s := range kb.Sources {
		records[s.ID] = newSourceRecord(s)
	}
	var problems []error
	for _, e := range kb.Entries {
		var cited []*sourceRecord
		for _, id := range e.Sources {
			if r, ok := records[id]; ok {
				cited = append(cited, r)
			}
		}
		for _, lang := range []string{JA, EN} {
			seen := map[string]bool{}
			for _, c := range Claims(e.Answer.In(lang)) {
				key := fmt.Sprint(c.Kind, c.Value, c.Line)
				if seen[key] || recordedByAny(cited, c) {
					continue
				}
				seen[key] = true
				msg := fmt.Sprintf("%s is in no cited source (%s)", c, strings.Join(e.Sources, ", "))
				if other := otherUnits(cited, c); len(other) > 0 {
					msg += fmt.Sprintf(": they give %s as %s, not %s", c.Value, strings.Join(other, ", "), c.Unit)
				}
				if others := recordedElsewhere(kb, records, e, c); len(others) > 0 {
					msg += fmt.Sprintf("; %s records it: cite it, or correct the figure", strings.Join(others, ", "))
				}
				problems = append(problems, &Problem{Pos: lines.answerLine(e, lang, c.Line), Msg: msg})
			}
		}
	}
	return errors.Join(problems...)
}

// otherUnits lists the units the cited sources give c's number with, when
// they give it only with units other than c's.
func otherUnits(cited []*sourceRecord, c Claim) []string {
	if c.Kind != Number || c.Unit == "" {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	for _, r := range cited {
		for u := range r.units[c.Value] {
			if u != "" && !seen[u] {
				seen[u] = true
				out = append(out, u)
			}
		}
	}
	sort.Strings(out)
	return out
}

func recordedByAny(cited []*sourceRecord, c Claim) bool {
	for _, r := range cited {
		if r.records(c) {
			return true
		}
	}
	return false
}

// recordedElsewhere names the sources the entry does not cite that record
// c, as a hint for the maintainer.
func recordedElsewhere(kb *KB, records map[string]*sourceRecord, e *Entry, c Claim) []string {
	var out []string
	for _, s := range kb.Sources {
		r := records[s.ID]
		if contains(e.Sources, s.ID) || !r.records(c) {
			continue
		}
		// A number only as a hint where the source says it counts the
		// same thing: a bare "6" elsewhere is no reason to cite it.
		if c.Kind == Number && c.Unit != "" && !r.units[c.Value][c.Unit] {
			continue
		}
		out = append(out, s.ID)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// sourceRecord is what one source records, ready for look-ups.
type sourceRecord struct {
	claims map[ClaimKind]map[string]bool
	units  map[string]map[string]bool // number → the units it is given with ("" for none)
	dates  []string
	text   string // NFKC, lower case: for names, DOIs and URLs
}

func newSourceRecord(s *Source) *sourceRecord {
	pieces := append([]string{s.Title, s.TitleEN, s.Publisher, s.Date, s.DOI, s.URL}, s.Authors...)
	pieces = append(pieces, s.Facts...)
	r := &sourceRecord{claims: map[ClaimKind]map[string]bool{}, units: map[string]map[string]bool{}}
	for _, p := range pieces {
		for _, c := range Claims(p) {
			if r.claims[c.Kind] == nil {
				r.claims[c.Kind] = map[string]bool{}
			}
			r.claims[c.Kind][c.Value] = true
			if c.Kind == Number {
				if r.units[c.Value] == nil {
					r.units[c.Value] = map[string]bool{}
				}
				r.units[c.Value][c.Unit] = true
			}
			if c.Kind == Date {
				r.dates = append(r.dates, c.Value)
			}
		}
	}
	// The source's own date, as precise as it is given, even when it is
	// written in a way the claim reader does not take for a date.
	if err := checkPublished(s.Date); err == nil {
		r.dates = append(r.dates, s.Date)
	}
	r.text = strings.ToLower(norm.NFKC.String(strings.Join(pieces, "\n")))
	return r
}

// records reports whether the source records claim c.
func (r *sourceRecord) records(c Claim) bool {
	switch c.Kind {
	case Number:
		units := r.units[c.Value]
		return len(units) > 0 && (c.Unit == "" || units[c.Unit] || units[""])
	case Percent:
		return r.claims[c.Kind][c.Value]
	case Date:
		for _, d := range r.dates {
			if d == c.Value || strings.HasPrefix(d, c.Value+"-") ||
				strings.HasPrefix(c.Value, "--") && len(d) == len("2006-01-02") && strings.HasSuffix(d, c.Value[1:]) {
				return true
			}
		}
		return false
	case DOI, URL:
		return strings.Contains(r.text, strings.ToLower(c.Value))
	case Name:
		return containsWord(r.text, strings.ToLower(norm.NFKC.String(c.Value)))
	}
	return false
}

// containsWord reports whether w occurs in text with no letter or digit
// of a Latin word joined to it on either side (so "us" is not found in
// "because"); Japanese text around it does not matter.
func containsWord(text, w string) bool {
	if w == "" {
		return false
	}
	for i := 0; ; {
		j := strings.Index(text[i:], w)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(w)
		if (start == 0 || !isLatinWordByte(text[start-1])) && (end == len(text) || !isLatinWordByte(text[end])) {
			return true
		}
		i = start + 1
	}
}

func isLatinWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// entryLines are the lines of some fields of each entry, by entry id, as
// found by reading the files again.
type entryLines map[string]*entryFields

type entryFields struct {
	file string
	// answer lines: where the text of each language starts, and whether
	// the text keeps its line breaks (a literal block, "|"), so that a
	// line of the text is a line of the file.
	answer  map[string]int
	literal map[string]bool
	field   map[string]int // reviewed, as_of
}

// locateEntries reads the YAML files of d for the lines of entries' fields.
// Errors are ignored: the files have been loaded already, and a problem
// without a line is still a problem.
func locateEntries(d Dir) entryLines {
	out := entryLines{}
	if d.FS == nil {
		return out
	}
	names, err := yamlFiles(d)
	if err != nil {
		return out
	}
	for _, name := range names {
		data, err := fs.ReadFile(d.FS, name)
		if err != nil {
			continue
		}
		var doc yaml.Node
		if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 {
			continue
		}
		for _, item := range seqItems(doc.Content[0], "entries") {
			id := mapValue(item, "id")
			if id == nil {
				continue
			}
			f := &entryFields{file: path.Join(d.Path, name), answer: map[string]int{}, literal: map[string]bool{}, field: map[string]int{}}
			ans := mapValue(item, "answer")
			for _, lang := range []string{JA, EN} {
				v := mapValue(ans, lang)
				if v == nil {
					continue
				}
				f.answer[lang] = v.Line
				if v.Style&yaml.LiteralStyle != 0 {
					f.answer[lang] = v.Line + 1
					f.literal[lang] = true
				}
			}
			for _, k := range []string{"reviewed", "as_of"} {
				if v := mapValue(item, k); v != nil {
					f.field[k] = v.Line
				}
			}
			out[id.Value] = f
		}
	}
	return out
}

// answerLine is the position of line n of the answer of e in lang.
func (el entryLines) answerLine(e *Entry, lang string, n int) Pos {
	f, ok := el[e.ID]
	if !ok || f.file != e.Pos.File || f.answer[lang] == 0 {
		return e.Pos
	}
	if !f.literal[lang] {
		n = 0
	}
	return Pos{File: f.file, Line: f.answer[lang] + n}
}

// fieldLine is the position of a field (reviewed, as_of) of e.
func (el entryLines) fieldLine(e *Entry, field string) Pos {
	if f, ok := el[e.ID]; ok && f.file == e.Pos.File && f.field[field] > 0 {
		return Pos{File: f.file, Line: f.field[field]}
	}
	return e.Pos
}

// sortProblems orders problems by file and line.
func sortProblems(ps []*Problem) {
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].Pos.File != ps[j].Pos.File {
			return ps[i].Pos.File < ps[j].Pos.File
		}
		return ps[i].Pos.Line < ps[j].Pos.Line
	})
}
