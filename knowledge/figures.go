package knowledge

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// ClaimKind says what sort of checkable statement a Claim is.
type ClaimKind int

// The kinds of claim an answer can make that its sources must record.
const (
	// Number is a count or measure: 5, 0.47, 5人, five patients, 二十歳.
	Number ClaimKind = iota + 1
	// Percent is a percentage: 50%, ５０％, 50 percent, 50パーセント.
	Percent
	// Date is a year, a month or a day: 2023, 2023-11, 2023-11-28
	// (2023年11月28日, 28 November 2023, 令和7年), or a day of an
	// unnamed year: --11-28 (11月28日).
	Date
	// Name is a named trial or product: a code such as CL2020 or STR03,
	// an acronym such as LSII, a drug-like name such as ropinirole or
	// ボスチニブ, or the name in front of "trial"/"試験".
	Name
	// DOI is a digital object identifier.
	DOI
	// URL is a web address.
	URL
)

var claimKindNames = map[ClaimKind]string{Number: "number", Percent: "percentage", Date: "date", Name: "name", DOI: "DOI", URL: "URL"}

// String names the kind in messages: "number", "date", "name".
func (k ClaimKind) String() string {
	if s, ok := claimKindNames[k]; ok {
		return s
	}
	return "claim(" + strconv.Itoa(int(k)) + ")"
}

// Claim is one figure, date or name stated in a text.
type Claim struct {
	Kind ClaimKind
	// Value is the canonical form the sources are searched for: "0.47",
	// "50%", "2023-11-28", "cl2020", a DOI in lower case.
	Value string
	// Unit is what a number counts, when the text says: "people" for 5人
	// or five patients, "times" for 6回 or 6 doses, "months", "years old"…
	// A number is recorded by a source only with the same unit, or where
	// one of them gives none: 6人 is not recorded by "6 doses".
	Unit string
	// Text is the claim as written (after NFKC folding of full-width
	// forms), for messages: "5人", "28 November 2023".
	Text string
	// Line is the line of the text the claim is on, counting from 0.
	Line int
}

// Units of counted things.
const (
	unitPeople = "people"
	unitTimes  = "times"
	unitMonths = "months"
	unitYears  = "years"
	unitAge    = "years old"
	unitPoints = "points"
	unitItems  = "items"
	unitSites  = "sites"
	unitWeeks  = "weeks"
	unitDays   = "days"
	unitPhase  = "phase"
)

// jaCounters are the Japanese counters after a number and what they count,
// longest first where one starts another.
var jaCounters = []struct{ counter, unit string }{
	{"人", unitPeople}, {"名", unitPeople}, {"回", unitTimes}, {"ヵ月", unitMonths}, {"か月", unitMonths},
	{"ヶ月", unitMonths}, {"カ月", unitMonths}, {"ケ月", unitMonths}, {"箇月", unitMonths}, {"年", unitYears},
	{"歳", unitAge}, {"才", unitAge}, {"点", unitPoints}, {"件", unitItems}, {"番", unitItems},
	{"施設", unitSites}, {"週", unitWeeks}, {"日", unitDays}, {"相", unitPhase},
}

// enUnits are the English nouns after a number and what they count.
var enUnits = map[string]string{
	"patient": unitPeople, "patients": unitPeople, "people": unitPeople, "person": unitPeople, "persons": unitPeople,
	"participant": unitPeople, "participants": unitPeople, "subject": unitPeople, "subjects": unitPeople,
	"men": unitPeople, "women": unitPeople, "adults": unitPeople, "children": unitPeople, "volunteers": unitPeople,
	"dose": unitTimes, "doses": unitTimes, "infusion": unitTimes, "infusions": unitTimes, "injection": unitTimes,
	"injections": unitTimes, "time": unitTimes, "times": unitTimes,
	"month": unitMonths, "months": unitMonths, "year": unitYears, "years": unitYears,
	"year-old": unitAge, "years-old": unitAge, "point": unitPoints, "points": unitPoints,
	"item": unitItems, "items": unitItems, "reference": unitItems, "references": unitItems,
	"centre": unitSites, "centres": unitSites, "center": unitSites, "centers": unitSites, "site": unitSites,
	"sites": unitSites, "hospital": unitSites, "hospitals": unitSites, "week": unitWeeks, "weeks": unitWeeks,
	"day": unitDays, "days": unitDays,
}

// enUnitsBefore are the English words before a number that say what it
// counts: item 12, reference 13, phase 2, aged 20.
var enUnitsBefore = map[string]string{"item": unitItems, "reference": unitItems, "phase": unitPhase, "aged": unitAge, "age": unitAge}

var (
	nextWord = regexp.MustCompile(`^[ -]?([A-Za-z]+(?:-[A-Za-z]+)*)`)
	prevWord = regexp.MustCompile(`([A-Za-z]+) ?$`)
)

// unitAfter finds what the number ending at rest counts, and how much of
// rest names it.
func unitAfter(rest string) (unit, text string) {
	for _, c := range jaCounters {
		if strings.HasPrefix(rest, c.counter) {
			return c.unit, c.counter
		}
	}
	if g := nextWord.FindStringSubmatch(rest); g != nil {
		if u, ok := enUnits[strings.ToLower(g[1])]; ok {
			return u, g[0]
		}
	}
	return "", ""
}

// unitBefore finds what a number counts from the word before it.
func unitBefore(before string) string {
	if g := prevWord.FindStringSubmatch(before); g != nil {
		return enUnitsBefore[strings.ToLower(g[1])]
	}
	return ""
}

// String returns the claim as a maintainer reads it in a message.
func (c Claim) String() string {
	if c.Text == "" || strings.HasPrefix(c.Text, c.Value) {
		return c.Value // 0.74, 8 (of 8人), 50%
	}
	return c.Text + " (" + c.Value + ")"
}

const monthNames = `January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec`

// claimPattern finds the candidates of a line, longest forms first so that
// the digits of a DOI, a date or a product code are never read as numbers.
var claimPattern = regexp.MustCompile(strings.Join([]string{
	`(?P<url>https?://[^\s、。，,）)」』]+)`,
	`(?P<doi>\b10\.\d{4,9}/[^\s、。，,）)」』]+)`,
	// 2023年11月28日, 2023年11月, 2023年 (a year of four digits)
	`(?P<jy>\d{4})年(?:(?P<jm>\d{1,2})月(?:(?P<jd>\d{1,2})日)?)?`,
	// 令和7年(度)(4月(1日))
	`(?P<era>令和|平成|昭和)(?P<ey>元|\d{1,2})年度?(?:(?P<em>\d{1,2})月(?:(?P<ed>\d{1,2})日)?)?`,
	// 11月28日
	`(?P<mdm>\d{1,2})月(?P<mdd>\d{1,2})日`,
	// 2023-11-28, 2023/11/28, 2023.11.28
	`\b(?P<iy>\d{4})[-/.](?P<im>\d{1,2})[-/.](?P<id>\d{1,2})\b`,
	// 2023-11
	`\b(?P<ymy>\d{4})-(?P<ymm>0[1-9]|1[0-2])\b`,
	// 28 November 2023
	`\b(?P<dmyd>\d{1,2})\s+(?P<dmym>` + monthNames + `)\.?,?\s+(?P<dmyy>\d{4})\b`,
	// November 28, 2023; November 2023
	`\b(?P<mdym>` + monthNames + `)\.?\s+(?:(?P<mdyd>\d{1,2})(?:st|nd|rd|th)?,?\s+)?(?P<mdyy>\d{4})\b`,
	// digits: 1,786 / 0.47 / 1万, with a percent sign or word
	`(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?P<mult>[万億])?(?P<pct>\s*(?:%|パーセント|percent\b|per cent\b))?`,
	// kanji numerals with a counter: 五人, 二十歳, 第三相
	`(?P<kan>[〇零一二三四五六七八九十百千万億]+)(?P<kc>` + kanjiCounters + `)`,
	// Latin words, with inner hyphens and digits: CL2020, ALSFRS-R, TDP-43
	`(?P<word>[A-Za-z][A-Za-z0-9]*(?:[-'][A-Za-z0-9]+)*)`,
	// katakana words: ボスチニブ, ロピニロール
	`(?P<kata>[ァ-ヺー]{2,})`,
}, "|"))

// kanjiCounters are the counters after which a kanji numeral is a figure
// (五人, 六回, 二十歳); 二重 or 一種 are not figures.
const kanjiCounters = `人|名|回|件|例|ヵ月|か月|ヶ月|カ月|ケ月|箇月|年|日|週間|週|歳|才|施設|相|番|点|倍|%|パーセント|割`

var claimGroups = func() map[string]int {
	m := map[string]int{}
	for i, n := range claimPattern.SubexpNames() {
		if n != "" {
			m[n] = i
		}
	}
	return m
}()

// kanjiIdioms are phrases whose kanji numeral and counter are not a figure.
var kanjiIdioms = []string{"一人ひとり", "一人一人", "一日も", "一人で", "第一人者", "一年中", "一日中"}

var numberWords = map[string]int{
	"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
	"eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
	"eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
	"seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1000, "dozen": 12,
}

// counterNouns are the nouns after which an English number word is a
// figure ("five patients"); "one study" or "one of them" are not.
var counterNouns = map[string]bool{
	"patient": true, "patients": true, "people": true, "person": true, "persons": true, "participant": true,
	"participants": true, "subject": true, "subjects": true, "dose": true, "doses": true, "infusion": true,
	"infusions": true, "injection": true, "injections": true, "month": true, "months": true, "year": true,
	"years": true, "week": true, "weeks": true, "day": true, "days": true, "hour": true, "hours": true,
	"time": true, "times": true, "case": true, "cases": true, "item": true, "items": true, "reference": true,
	"references": true, "centre": true, "centres": true, "center": true, "centers": true, "site": true,
	"sites": true, "point": true, "points": true, "hospital": true, "hospitals": true, "mice": true,
	"children": true, "adults": true, "men": true, "women": true, "volunteers": true, "year-old": true,
	"months-old": true, "groups": true, "arms": true, "percent": true,
}

var onceWords = map[string]int{"once": 1, "twice": 2, "thrice": 3}

var monthNumber = func() map[string]int {
	m := map[string]int{}
	for i, n := range strings.Split(monthNames, "|") {
		if i < 12 {
			m[strings.ToLower(n)] = i + 1
		}
	}
	for _, n := range []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"} {
		for full, v := range m {
			if strings.HasPrefix(full, n[:3]) && len(full) > 3 {
				m[n] = v
			}
		}
	}
	m["may"] = 5
	return m
}()

// Roman numerals read as numbers next to "phase", 第 or 相 (NFKC turns Ⅱ
// into II).
var romanNumerals = map[string]int{"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6}

// genericAcronyms are capitalised words that name no trial or product.
var genericAcronyms = map[string]bool{"DOI": true, "URL": true, "FAQ": true, "OK": true, "LINE": true, "PDF": true, "ID": true, "Q&A": true}

// Drug-name endings (international nonproprietary name stems) in English
// and katakana: a word ending so is taken for a named product.
var (
	drugEndings     = []string{"nib", "mab", "ersen", "zole", "irole", "pexole", "avone", "mycin", "cillin", "sartan", "olol", "statin", "limus", "platin", "parin", "ciclib"}
	drugEndingsKana = []string{"ニブ", "マブ", "ルセン", "ゾール", "ニロール", "ペキソール", "ラボン", "マイシン", "シリン", "サルタン", "スタチン", "ロリムス", "プラチン", "パリン"}
)

// trialWords follow the name of a trial or study.
var (
	trialWordsEN = map[string]bool{"trial": true, "trials": true, "study": true, "studies": true}
	trialWordsJA = []string{"試験", "治験", "臨床研究", "研究"}
)

// commonCapitals are capitalised words that stand before "trial" or
// "study" without naming it ("The trial", "Phase II study").
var commonCapitals = map[string]bool{
	"the": true, "a": true, "an": true, "this": true, "that": true, "these": true, "those": true, "its": true,
	"their": true, "our": true, "each": true, "every": true, "any": true, "no": true, "which": true, "what": true,
	"phase": true, "clinical": true, "human": true, "animal": true, "pilot": true, "early": true, "larger": true,
	"large": true, "small": true, "such": true, "another": true, "other": true, "further": true, "new": true,
	"earlier": true, "recent": true, "later": true, "first": true, "second": true, "third": true, "one": true,
	"both": true, "ongoing": true, "open-label": true, "double-blind": true, "controlled": true, "randomised": true,
	"randomized": true, "specified": true, "exploratory": true, "comparative": true, "cell": true, "cells": true,
}

// Claims returns the figures, dates and names stated in text, in order.
// Full-width digits and letters count as their ASCII forms; Japanese dates,
// era years (令和7年 = 2025), kanji numerals with a counter (五人, 二十歳)
// and English number words with a counter noun ("five patients", "once")
// are read as what they say. Numbers inside product codes (CL2020), DOIs
// and URLs are not separate figures.
func Claims(text string) []Claim {
	var out []Claim
	for i, line := range strings.Split(text, "\n") {
		out = appendLineClaims(out, norm.NFKC.String(line), i)
	}
	return out
}

// wordAt is a Latin word of a line, for looking at neighbours.
type wordAt struct {
	text       string
	start, end int
}

func appendLineClaims(out []Claim, line string, lineNo int) []Claim {
	matches := claimPattern.FindAllStringSubmatchIndex(line, -1)
	var words []wordAt
	for _, m := range matches {
		if g := claimGroups["word"]; m[2*g] >= 0 {
			words = append(words, wordAt{line[m[2*g]:m[2*g+1]], m[2*g], m[2*g+1]})
		}
	}
	group := func(m []int, name string) string {
		g := claimGroups[name]
		if m[2*g] < 0 {
			return ""
		}
		return line[m[2*g]:m[2*g+1]]
	}
	add := func(kind ClaimKind, value, text string) {
		if value != "" {
			out = append(out, Claim{Kind: kind, Value: value, Text: strings.TrimSpace(text), Line: lineNo})
		}
	}
	wi := 0
	for _, m := range matches {
		whole := line[m[0]:m[1]]
		switch {
		case group(m, "url") != "":
			add(URL, strings.TrimRight(whole, ".:;"), whole)
		case group(m, "doi") != "":
			add(DOI, strings.ToLower(strings.TrimRight(whole, ".:;")), whole)
		case group(m, "jy") != "":
			add(Date, dateValue(group(m, "jy"), group(m, "jm"), group(m, "jd")), whole)
		case group(m, "era") != "":
			add(Date, dateValue(eraYear(group(m, "era"), group(m, "ey")), group(m, "em"), group(m, "ed")), whole)
		case group(m, "mdm") != "":
			if v := dateValue("2000", group(m, "mdm"), group(m, "mdd")); len(v) == len("2000-01-01") {
				add(Date, "-"+v[4:], whole)
			}
		case group(m, "iy") != "":
			add(Date, dateValue(group(m, "iy"), group(m, "im"), group(m, "id")), whole)
		case group(m, "ymy") != "":
			add(Date, dateValue(group(m, "ymy"), group(m, "ymm"), ""), whole)
		case group(m, "dmyy") != "":
			add(Date, dateValue(group(m, "dmyy"), strconv.Itoa(monthNumber[strings.ToLower(group(m, "dmym"))]), group(m, "dmyd")), whole)
		case group(m, "mdyy") != "":
			add(Date, dateValue(group(m, "mdyy"), strconv.Itoa(monthNumber[strings.ToLower(group(m, "mdym"))]), group(m, "mdyd")), whole)
		case group(m, "num") != "":
			out = appendNumber(out, line, m, group(m, "num"), group(m, "mult"), group(m, "pct") != "", lineNo)
		case group(m, "kan") != "":
			if isKanjiIdiom(line, m[0]) {
				continue
			}
			v, ok := kanjiNumber(group(m, "kan"))
			if !ok {
				continue
			}
			kind, c := Number, group(m, "kc")
			if c == "%" || c == "パーセント" {
				kind = Percent
			}
			if c == "年" && v >= 1000 && v <= 9999 && len([]rune(group(m, "kan"))) == 4 {
				add(Date, strconv.Itoa(v), whole)
				continue
			}
			unit := ""
			if kind == Number {
				unit, _ = unitAfter(c)
			}
			out = append(out, Claim{Kind: kind, Value: formatNumber(float64(v), kind), Unit: unit, Text: whole, Line: lineNo})
		case group(m, "word") != "":
			for wi < len(words) && words[wi].start < m[0] {
				wi++
			}
			out = appendWordClaim(out, line, words, wi, lineNo)
		case group(m, "kata") != "":
			if w := group(m, "kata"); isDrugLike(w, drugEndingsKana) || followedByTrialWord(line[m[1]:]) {
				add(Name, w, w)
			}
		}
	}
	return out
}

func appendNumber(out []Claim, line string, m []int, num, mult string, pct bool, lineNo int) []Claim {
	v, err := strconv.ParseFloat(strings.ReplaceAll(num, ",", ""), 64)
	if err != nil {
		return out
	}
	switch mult {
	case "万":
		v *= 1e4
	case "億":
		v *= 1e8
	}
	text := strings.TrimSpace(line[m[0]:m[1]])
	switch {
	case pct:
		return append(out, Claim{Kind: Percent, Value: formatNumber(v, Percent), Text: text, Line: lineNo})
	case mult == "" && !strings.ContainsAny(num, ".,") && len(num) == 4 && v >= 1800 && v < 2200:
		// a year on its own: "since 2023", "Matsubara et al. (2022)"
		return append(out, Claim{Kind: Date, Value: num, Text: text, Line: lineNo})
	}
	unit, counter := unitAfter(line[m[1]:])
	if unit == "" {
		unit = unitBefore(line[:m[0]])
	}
	return append(out, Claim{Kind: Number, Value: formatNumber(v, Number), Unit: unit, Text: text + counter, Line: lineNo})
}

// appendWordClaim reads the Latin word words[i]: a number word with a
// counter noun, a roman numeral of a phase, a product code, an acronym,
// a drug-like name or the name of a trial.
func appendWordClaim(out []Claim, line string, words []wordAt, i int, lineNo int) []Claim {
	w := words[i]
	lower := strings.ToLower(w.text)
	next := func(k int) string {
		if i+k < len(words) && onlySpaceBetween(line, words[i+k-1].end, words[i+k].start) {
			return strings.ToLower(words[i+k].text)
		}
		return ""
	}
	prev := ""
	if i > 0 && onlySpaceBetween(line, words[i-1].end, w.start) {
		prev = strings.ToLower(words[i-1].text)
	}
	add := func(kind ClaimKind, value string) []Claim {
		return append(out, Claim{Kind: kind, Value: value, Text: w.text, Line: lineNo})
	}
	count := func(v int, unit string) []Claim {
		return append(out, Claim{Kind: Number, Value: strconv.Itoa(v), Unit: unit, Text: w.text, Line: lineNo})
	}
	if v, ok := onceWords[lower]; ok {
		return count(v, unitTimes)
	}
	if v, ok := englishNumber(lower); ok {
		n1, n2 := next(1), next(2)
		switch {
		case n1 == "percent":
			return add(Percent, formatNumber(float64(v), Percent))
		case counterNouns[n1]:
			return count(v, enUnits[n1])
		case counterNouns[n2] && n1 != "" && !trialWordsEN[n1]:
			return count(v, enUnits[n2])
		}
		return out
	}
	if v, ok := romanNumerals[w.text]; ok {
		if prev == "phase" || prev == "type" || isRomanContext(line[:w.start], line[w.end:]) {
			return count(v, unitPhase)
		}
		return out
	}
	switch {
	case strings.IndexFunc(w.text, unicode.IsDigit) >= 0:
		return add(Name, lower) // a code: CL2020, STR03, TDP-43
	case strings.IndexFunc(w.text, unicode.IsLower) < 0 && isAcronym(w.text):
		return add(Name, lower) // ALSFRS-R, SHED-CM
	case len(w.text) >= 6 && isDrugLike(lower, drugEndings):
		return add(Name, lower)
	case isCapitalised(w.text) && !commonCapitals[lower] && trialWordsEN[next(1)]:
		return add(Name, lower) // the Muse trial
	}
	// acronyms inside a word: iPS-cell, LSII's
	for _, part := range strings.FieldsFunc(w.text, func(r rune) bool { return r == '-' || r == '\'' }) {
		if isAcronym(part) {
			out = append(out, Claim{Kind: Name, Value: strings.ToLower(part), Text: part, Line: lineNo})
		}
	}
	return out
}

// isAcronym reports whether w has two capitals in a row (ALS, iPS, LSII)
// and is not a generic one (DOI, URL).
func isAcronym(w string) bool {
	if genericAcronyms[strings.ToUpper(w)] {
		return false
	}
	for i := 0; i+1 < len(w); i++ {
		if isUpperASCII(w[i]) && isUpperASCII(w[i+1]) {
			return true
		}
	}
	return false
}

func isUpperASCII(c byte) bool { return c >= 'A' && c <= 'Z' }

// isCapitalised reports whether w is written with one leading capital.
func isCapitalised(w string) bool {
	if !isUpperASCII(w[0]) {
		return false
	}
	for i := 1; i < len(w); i++ {
		if isUpperASCII(w[i]) {
			return false
		}
	}
	return true
}

// onlySpaceBetween reports whether line[a:b] is blank, so that two words
// are neighbours in one phrase.
func onlySpaceBetween(line string, a, b int) bool {
	return a <= b && strings.TrimSpace(line[a:b]) == ""
}

// isRomanContext reports whether a roman numeral stands between 第 and 相
// (第II相) or before "相".
func isRomanContext(before, after string) bool {
	return strings.HasSuffix(before, "第") || strings.HasPrefix(after, "相")
}

func englishNumber(w string) (int, bool) {
	if v, ok := numberWords[w]; ok {
		return v, true
	}
	// twenty-five
	if a, b, ok := strings.Cut(w, "-"); ok {
		x, okx := numberWords[a]
		y, oky := numberWords[b]
		if okx && oky && x >= 20 && x%10 == 0 && y < 10 {
			return x + y, true
		}
	}
	return 0, false
}

func isDrugLike(w string, endings []string) bool {
	for _, e := range endings {
		if strings.HasSuffix(w, e) && len([]rune(w)) > len([]rune(e))+1 {
			return true
		}
	}
	return false
}

func followedByTrialWord(rest string) bool {
	for _, t := range trialWordsJA {
		if strings.HasPrefix(rest, t) {
			return true
		}
	}
	return false
}

func isKanjiIdiom(line string, at int) bool {
	for _, p := range kanjiIdioms {
		if strings.HasPrefix(line[at:], p) {
			return true
		}
		// 第一人者: the match starts after 第
		if at >= len("第") && strings.HasPrefix(line[at-len("第"):], p) {
			return true
		}
	}
	return false
}

// kanjiNumber reads a kanji numeral: 五, 二十, 三百五十, 一万二千, and
// digit by digit when it has no units (二〇二三 = 2023).
func kanjiNumber(s string) (int, bool) {
	digits := map[rune]int{'〇': 0, '零': 0, '一': 1, '二': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9}
	units := map[rune]int{'十': 10, '百': 100, '千': 1000}
	big := map[rune]int{'万': 10000, '億': 100000000}
	rs := []rune(s)
	positional := len(rs) > 1
	for _, r := range rs {
		if _, ok := digits[r]; !ok {
			positional = false
		}
	}
	if positional {
		v := 0
		for _, r := range rs {
			v = v*10 + digits[r]
			if v > 1e12 {
				return 0, false
			}
		}
		return v, true
	}
	total, section, cur := 0, 0, -1
	for _, r := range rs {
		switch {
		case r == '〇' || r == '零' || digits[r] > 0:
			if cur >= 0 {
				return 0, false // two digits in a row with units: not a numeral
			}
			cur = digits[r]
		case units[r] > 0:
			if cur < 0 {
				cur = 1
			}
			section += cur * units[r]
			cur = -1
		case big[r] > 0:
			if cur >= 0 {
				section += cur
			}
			if section == 0 {
				section = 1
			}
			total += section * big[r]
			section, cur = 0, -1
			if total > 1e12 {
				return 0, false
			}
		default:
			return 0, false
		}
	}
	if cur >= 0 {
		section += cur
	}
	return total + section, true
}

func eraYear(era, y string) string {
	n := 1
	if y != "元" {
		var err error
		if n, err = strconv.Atoi(y); err != nil {
			return ""
		}
	}
	base := map[string]int{"令和": 2018, "平成": 1988, "昭和": 1925}[era]
	return strconv.Itoa(base + n)
}

// dateValue returns YYYY, YYYY-MM or YYYY-MM-DD, or "" for an impossible
// month or day.
func dateValue(y, m, d string) string {
	if y == "" {
		return ""
	}
	if m == "" {
		return y
	}
	mi, err := strconv.Atoi(m)
	if err != nil || mi < 1 || mi > 12 {
		return ""
	}
	v := y + "-" + twoDigits(mi)
	if d == "" {
		return v
	}
	di, err := strconv.Atoi(d)
	if err != nil || di < 1 || di > 31 {
		return ""
	}
	return v + "-" + twoDigits(di)
}

func twoDigits(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

func formatNumber(v float64, kind ClaimKind) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if kind == Percent {
		s += "%"
	}
	return s
}
