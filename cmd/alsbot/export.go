package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"alsbot/knowledge"
)

// exportKB is the whole knowledge base as alsbot export --format json
// prints it: the same keys as the YAML files, entries in file order, and
// the source register in full.
type exportKB struct {
	Entries   []exportEntry       `json:"entries" yaml:"entries"`
	Sources   []exportSource      `json:"sources" yaml:"-"`
	Rules     []exportRule        `json:"rules" yaml:"rules"`
	Synonyms  [][]string          `json:"synonyms" yaml:"synonyms"`
	Messages  exportMessages      `json:"messages" yaml:"messages"`
	Menu      []string            `json:"menu" yaml:"menu"`
	OffTopic  []string            `json:"off_topic" yaml:"off_topic"`
	OtherUses knowledge.OtherUses `json:"other_uses" yaml:"other_uses"`
	Fillers   []string            `json:"fillers" yaml:"fillers"`
	// TopicSwitches leave small talk for the question (ところで).
	TopicSwitches []string         `json:"topic_switches,omitempty" yaml:"topic_switches,omitempty"`
	ReplyIn       exportTexts      `json:"reply_in" yaml:"reply_in"`
	Lexicons      []exportLexicon  `json:"lexicons" yaml:"lexicons"`
	Topics        []exportTopic    `json:"topics" yaml:"topics"`
	Facets        []exportFacet    `json:"facets" yaml:"facets"`
	HelpLines     []exportHelpLine `json:"help_lines" yaml:"help_lines"`
}

type exportHelpLine struct {
	Number          string     `json:"number" yaml:"number"`
	Name            exportText `json:"name" yaml:"name"`
	Operator        string     `json:"operator" yaml:"operator"`
	Page            string     `json:"page" yaml:"page"`
	Hours           exportText `json:"hours" yaml:"hours"`
	Checked         string     `json:"checked" yaml:"checked"`
	CheckedAt       []string   `json:"checked_at" yaml:"checked_at"`
	OperatorChecked bool       `json:"operator_checked" yaml:"operator_checked"`
}

type exportTopic struct {
	ID      string     `json:"id" yaml:"id"`
	Title   exportText `json:"title" yaml:"title"`
	General bool       `json:"general,omitempty" yaml:"general,omitempty"`
	Anchors []string   `json:"anchors" yaml:"anchors"`
}

type exportFacet struct {
	ID          string      `json:"id" yaml:"id"`
	Title       exportText  `json:"title" yaml:"title"`
	Cues        exportTexts `json:"cues" yaml:"cues"`
	Weak        bool        `json:"weak,omitempty" yaml:"weak,omitempty"`
	Shared      bool        `json:"shared,omitempty" yaml:"shared,omitempty"`
	Narrows     bool        `json:"narrows,omitempty" yaml:"narrows,omitempty"`
	OfAStudy    bool        `json:"of_a_study,omitempty" yaml:"of_a_study,omitempty"`
	NamesAStudy bool        `json:"names_a_study,omitempty" yaml:"names_a_study,omitempty"`
	Decides     bool        `json:"decides,omitempty" yaml:"decides,omitempty"`
	Recommends  bool        `json:"recommends,omitempty" yaml:"recommends,omitempty"`
	NoAnswer    *exportText `json:"no_answer,omitempty" yaml:"no_answer,omitempty"`
}

type exportLexicon struct {
	Name  string   `json:"name" yaml:"name"`
	Words []string `json:"words" yaml:"words"`
}

type exportText struct {
	JA string `json:"ja" yaml:"ja"`
	EN string `json:"en" yaml:"en"`
}

type exportTexts struct {
	JA []string `json:"ja" yaml:"ja"`
	EN []string `json:"en" yaml:"en"`
}

type exportEntry struct {
	ID        string      `json:"id" yaml:"id"`
	Topic     string      `json:"topic" yaml:"topic"`
	Title     exportText  `json:"title" yaml:"title"`
	Questions exportTexts `json:"questions" yaml:"questions"`
	Keywords  []string    `json:"keywords" yaml:"keywords"`
	Facets    []string    `json:"facets" yaml:"facets"`
	SilentOn  []string    `json:"silent_on,omitempty" yaml:"silent_on,omitempty"`
	Readings  []string    `json:"readings" yaml:"readings"`
	Answer    exportText  `json:"answer" yaml:"answer"`
	Sources   []string    `json:"sources" yaml:"sources"`
	Related   []string    `json:"related" yaml:"related"`
	Reviewed  string      `json:"reviewed" yaml:"reviewed"`
	AsOf      string      `json:"as_of,omitempty" yaml:"as_of,omitempty"`
	Quotes    []string    `json:"quotes,omitempty" yaml:"quotes,omitempty"`
}

type exportRule struct {
	ID       string      `json:"id" yaml:"id"`
	Patterns exportTexts `json:"patterns" yaml:"patterns"`
	Except   exportTexts `json:"except" yaml:"except"`
	// ExceptInGeneral cancels the rule only when no pattern of Someone
	// matches.
	ExceptInGeneral exportTexts  `json:"except_in_general,omitempty" yaml:"except_in_general,omitempty"`
	Someone         exportTexts  `json:"someone,omitempty" yaml:"someone,omitempty"`
	Whole           bool         `json:"whole" yaml:"whole"`
	Reply           exportText   `json:"reply" yaml:"reply"`
	Then            string       `json:"then" yaml:"then"`
	Urgent          bool         `json:"urgent,omitempty" yaml:"urgent,omitempty"`
	Concepts        [][]string   `json:"concepts,omitempty" yaml:"concepts,omitempty"`
	Window          int          `json:"window,omitempty" yaml:"window,omitempty"`
	Calls           []exportCall `json:"calls,omitempty" yaml:"calls,omitempty"`
}

type exportCall struct {
	Number string     `json:"number" yaml:"number"`
	Label  exportText `json:"label" yaml:"label"`
}

type exportMessages struct {
	Fallback   exportText `json:"fallback" yaml:"fallback"`
	Clarify    exportText `json:"clarify" yaml:"clarify"`
	Disclaimer exportText `json:"disclaimer" yaml:"disclaimer"`
	Menu       exportText `json:"menu" yaml:"menu"`
	Welcome    exportText `json:"welcome" yaml:"welcome"`
	TextOnly   exportText `json:"text_only" yaml:"text_only"`
	About      exportText `json:"about" yaml:"about"`
	NoFacet    exportText `json:"no_facet" yaml:"no_facet"`
	NoTopic    exportText `json:"no_topic_answer" yaml:"no_topic_answer"`
	Compare    exportText `json:"compare" yaml:"compare"`
	Remedy     exportText `json:"unknown_remedy,omitempty" yaml:"unknown_remedy,omitempty"`
}

type exportSource struct {
	ID        string `json:"id" yaml:"id"`
	Kind      string `json:"kind" yaml:"kind"`
	Title     string `json:"title" yaml:"title"`
	TitleEN   string `json:"title_en,omitempty" yaml:"title_en,omitempty"`
	Publisher string `json:"publisher,omitempty" yaml:"publisher,omitempty"`
	// PublisherEN is the publisher's name for English readers.
	PublisherEN string   `json:"publisher_en,omitempty" yaml:"publisher_en,omitempty"`
	Authors     []string `json:"authors,omitempty" yaml:"authors,omitempty"`
	Date        string   `json:"date" yaml:"date"`
	URL         string   `json:"url,omitempty" yaml:"url,omitempty"`
	DOI         string   `json:"doi,omitempty" yaml:"doi,omitempty"`
	// Link is the URL, or the DOI as a URL: where a reader finds it.
	Link     string   `json:"link,omitempty" yaml:"-"`
	Lang     string   `json:"lang" yaml:"lang"`
	Document string   `json:"document,omitempty" yaml:"document,omitempty"`
	Facts    []string `json:"facts" yaml:"facts"`
}

func text(t knowledge.Text) exportText { return exportText{JA: t.JA, EN: t.EN} }

func calls(cs []knowledge.Call) []exportCall {
	var out []exportCall
	for _, c := range cs {
		out = append(out, exportCall{Number: c.Number, Label: text(c.Label)})
	}
	return out
}

func optionalText(t knowledge.Text) *exportText {
	if t.JA == "" && t.EN == "" {
		return nil
	}
	e := text(t)
	return &e
}
func texts(t knowledge.Texts) exportTexts { return exportTexts{JA: t.JA, EN: t.EN} }

func newExport(kb *knowledge.KB) exportKB {
	var lines []exportHelpLine
	for _, h := range kb.HelpLines {
		lines = append(lines, exportHelpLine{Number: h.Number, Name: text(h.Name), Operator: h.Operator, Page: h.Page,
			Hours: text(h.Hours), Checked: h.Checked, CheckedAt: h.CheckedAt, OperatorChecked: h.OperatorChecked})
	}
	out := exportKB{
		HelpLines: lines,
		Synonyms:  [][]string{}, Menu: kb.Menu, OffTopic: kb.OffTopic, OtherUses: kb.OtherUses, Fillers: kb.Fillers, TopicSwitches: kb.TopicSwitches,
		Messages: exportMessages{
			Fallback: text(kb.Messages.Fallback), Clarify: text(kb.Messages.Clarify), Disclaimer: text(kb.Messages.Disclaimer),
			Menu: text(kb.Messages.Menu), Welcome: text(kb.Messages.Welcome), TextOnly: text(kb.Messages.TextOnly), About: text(kb.Messages.About),
			NoFacet: text(kb.Messages.NoFacet), NoTopic: text(kb.Messages.NoTopicAnswer), Compare: text(kb.Messages.Compare),
			Remedy: text(kb.Messages.UnknownRemedy),
		},
	}
	for _, e := range kb.Entries {
		out.Entries = append(out.Entries, exportEntry{
			ID: e.ID, Topic: e.Topic, Title: text(e.Title), Questions: texts(e.Questions), Keywords: e.Keywords, Facets: e.Facets, SilentOn: e.SilentOn,
			Readings: e.Readings, Answer: text(e.Answer), Sources: e.Sources, Related: e.Related, Reviewed: e.Reviewed, AsOf: e.AsOf, Quotes: e.Quotes,
		})
	}
	for _, s := range kb.Sources {
		out.Sources = append(out.Sources, exportSource{
			ID: s.ID, Kind: s.Kind, Title: s.Title, TitleEN: s.TitleEN, Publisher: s.Publisher, PublisherEN: s.PublisherEN, Authors: s.Authors,
			Date: s.Date, URL: s.URL, DOI: s.DOI, Link: s.Link(), Lang: s.Lang, Document: s.Document, Facts: s.Facts,
		})
	}
	for _, r := range kb.Rules {
		out.Rules = append(out.Rules, exportRule{ID: r.ID, Patterns: texts(r.Patterns), Except: texts(r.Except), ExceptInGeneral: texts(r.ExceptInGeneral), Someone: texts(r.Someone), Whole: r.Whole, Reply: text(r.Reply), Then: r.Then, Urgent: r.Urgent,
			Concepts: r.Concepts, Window: r.Window, Calls: calls(r.Calls)})
	}
	for _, g := range kb.Synonyms {
		out.Synonyms = append(out.Synonyms, g.Forms)
	}
	out.ReplyIn = texts(kb.ReplyIn)
	for _, t := range kb.Topics {
		out.Topics = append(out.Topics, exportTopic{ID: t.ID, Title: text(t.Title), General: t.General, Anchors: t.Anchors})
	}
	for _, f := range kb.Facets {
		out.Facets = append(out.Facets, exportFacet{ID: f.ID, Title: text(f.Title), Cues: texts(f.Cues), Weak: f.Weak, Shared: f.Shared, Narrows: f.Narrows, OfAStudy: f.OfAStudy, NamesAStudy: f.NamesAStudy, Decides: f.Decides, Recommends: f.Recommends, NoAnswer: optionalText(f.NoAnswer)})
	}
	for _, lx := range kb.Lexicons {
		out.Lexicons = append(out.Lexicons, exportLexicon{Name: lx.Name, Words: lx.Words})
	}
	return out
}

func runExport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	var kf kbFlags
	kf.register(fs, getenv)
	format := fs.String("format", "markdown", "`FORMAT`: json (for other tools) or markdown (a readable bilingual FAQ page)")
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	kb, _, err := validKB(kf)
	if err != nil {
		return fmt.Errorf("the knowledge base has problems (run alsbot validate):\n%w", err)
	}
	switch *format {
	case "json":
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(newExport(kb))
	case "markdown", "md":
		w := bufio.NewWriter(stdout)
		writeMarkdown(w, kb)
		return w.Flush()
	}
	fmt.Fprintf(stderr, "alsbot export: --format %q: use json or markdown\n", *format)
	return errUsage
}

// topicNames are the headings of the FAQ page; a topic not listed is
// headed by its id.
var topicNames = map[string]knowledge.Text{
	"als":                {JA: "ALSについて", EN: "About ALS"},
	"muse":               {JA: "Muse細胞の治験", EN: "The Muse cell trial"},
	"conditioned-medium": {JA: "幹細胞培養上清液", EN: "Stem-cell conditioned medium"},
	"trials":             {JA: "国内の臨床試験", EN: "Clinical studies in Japan"},
	"ips":                {JA: "iPS細胞", EN: "iPS cells"},
}

// writeMarkdown writes the knowledge base as a bilingual FAQ page: one
// section per topic, each entry with its answer in Japanese and English
// and the sources it cites, then the source register.
func writeMarkdown(w io.Writer, kb *knowledge.KB) {
	fmt.Fprintln(w, "# ALSの新しい治療についてのQ&A / Questions and answers on new ALS therapies")
	fmt.Fprintln(w)
	fmt.Fprintf(w, "> %s  \n> %s\n\n", mdText(kb.Messages.Disclaimer.JA), mdText(kb.Messages.Disclaimer.EN))
	fmt.Fprintf(w, "%d questions, each answered from the sources listed at the end. Generated by `alsbot export --format markdown` from the knowledge base: edit the YAML files, not this page.\n\n", len(kb.Entries))

	var topics []string
	byTopic := map[string][]*knowledge.Entry{}
	for _, e := range kb.Entries {
		if _, ok := byTopic[e.Topic]; !ok {
			topics = append(topics, e.Topic)
		}
		byTopic[e.Topic] = append(byTopic[e.Topic], e)
	}
	heading := func(topic string) string {
		if t, ok := topicNames[topic]; ok {
			return t.JA + " / " + t.EN
		}
		if topic == "" {
			return "その他 / Other"
		}
		return topic
	}
	fmt.Fprintln(w, "## 目次 / Contents")
	fmt.Fprintln(w)
	for _, t := range topics {
		fmt.Fprintf(w, "- %s\n", heading(t))
		for _, e := range byTopic[t] {
			fmt.Fprintf(w, "  - [%s / %s](#%s)\n", mdInline(e.Title.JA), mdInline(e.Title.EN), e.ID)
		}
	}
	for _, t := range topics {
		fmt.Fprintf(w, "\n## %s\n", heading(t))
		for _, e := range byTopic[t] {
			fmt.Fprintf(w, "\n### <a id=\"%s\"></a>%s / %s\n\n", e.ID, mdInline(e.Title.JA), mdInline(e.Title.EN))
			fmt.Fprintf(w, "**日本語**\n\n%s\n\n**English**\n\n%s\n\n", mdText(strings.ReplaceAll(e.Answer.JA, "{reviewed}", kb.LatestReview())), mdText(strings.ReplaceAll(e.Answer.EN, "{reviewed}", kb.LatestReview())))
			var cites []string
			for _, id := range e.Sources {
				cites = append(cites, fmt.Sprintf("[%s](#source-%s)", id, id))
			}
			meta := fmt.Sprintf("出典 / Sources: %s · 確認日 / reviewed %s", strings.Join(cites, ", "), e.Reviewed)
			if e.AsOf != "" {
				meta += " · 時点 / as of " + e.AsOf
			}
			fmt.Fprintf(w, "<sub>%s</sub>\n", meta)
		}
	}
	fmt.Fprintln(w, "\n## 出典 / Sources")
	for _, s := range kb.Sources {
		fmt.Fprintf(w, "\n### <a id=\"source-%s\"></a>%s\n\n", s.ID, mdInline(s.Title))
		if s.TitleEN != "" {
			fmt.Fprintf(w, "%s  \n", mdInline(s.TitleEN))
		}
		var who []string
		if s.Publisher != "" {
			who = append(who, mdInline(s.Publisher))
		}
		if len(s.Authors) > 0 {
			who = append(who, mdInline(strings.Join(s.Authors, ", ")))
		}
		fmt.Fprintf(w, "%s, %s", strings.Join(who, "; "), s.Date)
		if l := s.Link(); l != "" {
			fmt.Fprintf(w, ". <%s>", l)
		}
		fmt.Fprintf(w, " (`%s`)\n\n", s.ID)
		for _, f := range s.Facts {
			fmt.Fprintf(w, "- %s\n", mdInline(f))
		}
	}
}

// mdText writes a multi-line answer as Markdown that shows its lines as
// written: a line break inside a paragraph becomes a hard break, and
// characters that would start markup at the start of a line are escaped.
func mdText(s string) string {
	paras := strings.Split(s, "\n\n")
	for i, p := range paras {
		lines := strings.Split(p, "\n")
		for j, l := range lines {
			l = mdInline(l)
			if strings.HasPrefix(l, "#") || strings.HasPrefix(l, ">") || strings.HasPrefix(l, "=") {
				l = `\` + l
			}
			lines[j] = l
		}
		paras[i] = strings.Join(lines, "  \n")
	}
	return strings.Join(paras, "\n\n")
}

// mdInline escapes what would be read as HTML or emphasis in a line.
var mdEscaper = strings.NewReplacer("<", "&lt;", ">", "&gt;", "*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`)

func mdInline(s string) string { return mdEscaper.Replace(s) }
