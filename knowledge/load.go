package knowledge

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"reflect"
	"regexp"
	"regexp/syntax"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"

	"gopkg.in/yaml.v3"
)

// Dir is a directory of YAML files: the file system to read, and the path
// to show maintainers in problems ("knowledge/muse.yaml:42: …").
type Dir struct {
	FS   fs.FS
	Path string
}

// Problem is one thing wrong with the knowledge base, at a place in a file.
type Problem struct {
	Pos Pos
	Msg string
}

func (p *Problem) Error() string {
	if p.Pos.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", p.Pos.File, p.Pos.Line, p.Msg)
	}
	return fmt.Sprintf("%s: %s", p.Pos.File, p.Msg)
}

// Problems returns the problems joined in err by Load, in order.
func Problems(err error) []*Problem {
	var out []*Problem
	var walk func(error)
	walk = func(err error) {
		if err == nil {
			return
		}
		if p, ok := err.(*Problem); ok {
			out = append(out, p)
			return
		}
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		out = append(out, &Problem{Msg: err.Error()})
	}
	walk(err)
	return out
}

// fileYAML is the shape of one knowledge-base file; every key is optional
// so that maintainers can split the knowledge base as they like.
type fileYAML struct {
	Entries   []*Entry   `yaml:"entries"`
	Synonyms  [][]string `yaml:"synonyms"`
	Rules     []*Rule    `yaml:"rules"`
	Messages  *Messages  `yaml:"messages"`
	Menu      []string   `yaml:"menu"`
	OffTopic  []string   `yaml:"off_topic"`
	OtherUses *OtherUses `yaml:"other_uses"`
	Fillers   []string   `yaml:"fillers"`
	// TopicSwitches are the phrases that leave small talk for the
	// question ("ところで", "by the way").
	TopicSwitches []string `yaml:"topic_switches"`
	// Symbols say what a message of symbols alone means (🙏: ありがとう).
	Symbols map[string]string `yaml:"symbols"`
	// Lexicons are the words the file's rules combine in concepts.
	Lexicons []Lexicon `yaml:"lexicons"`
	// ReplyIn are the phrases that ask for a reply language.
	ReplyIn *Texts   `yaml:"reply_in"`
	Topics  []*Topic `yaml:"topics"`
	Facets  []*Facet `yaml:"facets"`
	Clinic  *Clinic  `yaml:"clinic"`
	// HelpLines is the register of the numbers replies give.
	HelpLines []*HelpLine `yaml:"help_lines"`
}

// parsePatterns finds the lexicons of the file's rules' concepts and
// parses their patterns.
func (f *fileYAML) parsePatterns() {
	lexicons := map[string][]string{}
	// A lexicon's words are checked one by one, as the bot compiles
	// them, and once however many concepts combine them; their trees are
	// not kept.
	wordErr := map[string]error{}
	for _, lx := range f.Lexicons {
		lexicons[lx.Name] = append(lexicons[lx.Name], lx.Words...)
		for _, w := range lx.Words {
			if _, err := syntax.Parse(w, syntax.Perl); err != nil {
				wordErr[w] = err
			}
		}
	}
	for _, r := range f.Rules {
		if r != nil { // an empty item, reported where the rules are placed
			r.combine(lexicons, wordErr)
			r.parsePatterns()
		}
	}
}

// Load reads every *.yaml file of kb and of the source register seeds,
// and checks them. It returns every problem at once, each as a *Problem
// joined with errors.Join; the KB is nil when there is any.
func Load(kb, seeds Dir) (*KB, error) {
	l := &loader{kb: &KB{entries: map[string]*Entry{}, sources: map[string]*Source{}}}
	// The files of both directories are parsed at once.
	sources, sourceJobs := decodeDir[Source](seeds, nil)
	files, fileJobs := decodeDir[fileYAML](kb, (*fileYAML).parsePatterns)
	runBiggestFirst(append(sourceJobs, fileJobs...))
	l.loadSources(seeds, sources)
	l.loadKB(kb, files)
	if len(l.problems) == 0 {
		l.check()
	}
	if len(l.problems) > 0 {
		return nil, errors.Join(l.problems...)
	}
	return l.kb, nil
}

type loader struct {
	kb       *KB
	problems []error
	nodes    map[any]*yaml.Node     // where each entry, rule and source was read
	lines    map[any]map[string]int // their field lines, worked out when asked
	messages Pos                    // where messages were defined
	menu     Pos                    // where the menu was defined
	listed   map[string]Pos         // off_topic and fillers words, where first listed
	topics   map[string]*Topic      // by id, once checked
	facets   map[string]*Facet
}

func (l *loader) addf(pos Pos, format string, args ...any) {
	l.problems = append(l.problems, &Problem{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

// line returns the line of a field of an entry, rule or source (a path such
// as "answer.ja" or "patterns.en.2"), or the line the item starts on.
func (l *loader) line(item any, field string, start Pos) Pos {
	if n := fieldLine(l.nodes[item], field); n > 0 {
		return Pos{File: start.File, Line: n}
	}
	return start
}

// fieldLine returns the line of the value at a dotted path under n (the
// line of its key, or of the item for a sequence index), or 0.
func fieldLine(n *yaml.Node, path string) int {
	line := 0
	for part := range strings.SplitSeq(path, ".") {
		if part == "" {
			continue
		}
		if n == nil {
			return 0
		}
		switch n.Kind {
		case yaml.MappingNode:
			var next *yaml.Node
			for k := 0; k+1 < len(n.Content); k += 2 {
				if n.Content[k].Value == part {
					line, next = n.Content[k].Line, n.Content[k+1]
					break
				}
			}
			n = next
		case yaml.SequenceNode:
			k, err := strconv.Atoi(part)
			if err != nil || k < 0 || k >= len(n.Content) {
				return 0
			}
			n = n.Content[k]
			line = n.Line
		default:
			return 0
		}
	}
	if n == nil {
		return 0
	}
	return line
}

func yamlFiles(d Dir) ([]string, error) {
	names, err := fs.Glob(d.FS, "*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	return names, nil
}

// decoded is one file decoded into a *T, with the tree it was read from
// (nil when it could not be read) and its problems.
type decoded[T any] struct {
	name     string
	v        *T
	root     *yaml.Node
	problems []error
}

// decodeDir returns the jobs that decode the *.yaml files of d, each
// then passed to then (if not nil), and where they put the files, in
// order. There are none when d has no YAML files or cannot be read.
func decodeDir[T any](d Dir, then func(*T)) ([]decoded[T], []job) {
	names, err := yamlFiles(d)
	if err != nil {
		names = nil
	}
	out := make([]decoded[T], len(names))
	var jobs []job
	for i, name := range names {
		file := path.Join(d.Path, name)
		out[i].name = name
		data, err := fs.ReadFile(d.FS, name)
		if err != nil {
			out[i].problems = []error{&Problem{Pos: Pos{File: file}, Msg: fmt.Sprintf("cannot read: %v", err)}}
			continue
		}
		jobs = append(jobs, job{size: len(data), run: func() {
			fl := &loader{}
			v := new(T)
			root := fl.decode(file, data, v)
			if root != nil && then != nil {
				then(v)
			}
			out[i] = decoded[T]{name: name, v: v, root: root, problems: fl.problems}
		}})
	}
	return out, jobs
}

// job is the decoding of one file, and the file's size.
type job struct {
	size int
	run  func()
}

// runBiggestFirst runs the jobs on every processor, as YAML parsing is
// most of the time it takes to load a knowledge base. The biggest go
// first, so that none is left to the end while the other processors wait.
func runBiggestFirst(jobs []job) {
	slices.SortStableFunc(jobs, func(a, b job) int { return b.size - a.size })
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(jobs)) {
		wg.Go(func() {
			for {
				k := int(next.Add(1)) - 1
				if k >= len(jobs) {
					return
				}
				jobs[k].run()
			}
		})
	}
	wg.Wait()
}

// decode parses one file strictly into v, reporting syntax errors and
// unknown keys with their line, and returns the parsed document tree.
func (l *loader) decode(file string, data []byte, v any) *yaml.Node {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		l.yamlError(file, syntaxAt(data, err))
		return nil
	}
	if len(doc.Content) == 0 {
		return nil
	}
	// The text is parsed once; the tree is checked for unknown keys
	// and then decoded, which yaml.v3 only does strictly from text.
	n := len(l.problems)
	l.unknownKeys(file, doc.Content[0], reflect.TypeOf(v))
	if err := doc.Decode(v); err != nil {
		l.yamlError(file, err)
	}
	if len(l.problems) > n {
		return nil
	}
	return doc.Content[0]
}

// unknownKeys reports every mapping key under n that the Go type t has no
// field for, so that a misspelt key is an error rather than ignored.
func (l *loader) unknownKeys(file string, n *yaml.Node, t reflect.Type) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch n.Kind {
	case yaml.AliasNode:
		return // checked where it is defined
	case yaml.SequenceNode:
		if t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
			for _, c := range n.Content {
				l.unknownKeys(file, c, t.Elem())
			}
		}
	case yaml.MappingNode:
		switch t.Kind() {
		case reflect.Map:
			for i := 1; i < len(n.Content); i += 2 {
				l.unknownKeys(file, n.Content[i], t.Elem())
			}
		case reflect.Struct:
			fields := yamlFields(t)
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := n.Content[i]
				ft, ok := fields[k.Value]
				if !ok {
					l.addf(Pos{File: file, Line: k.Line}, "unknown key %q", k.Value)
					continue
				}
				l.unknownKeys(file, n.Content[i+1], ft)
			}
		}
	}
}

// yamlFields maps the YAML keys of a struct type to their field types.
func yamlFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		switch {
		case name == "-" || !f.IsExported():
			continue
		case name == "":
			name = strings.ToLower(f.Name)
		}
		out[name] = f.Type
	}
	return out
}

var (
	yamlLine     = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)
	unknownField = regexp.MustCompile(`^field (\S+) not found in type \S+$`)
)

// yamlError turns a yaml.v3 error into problems with file and line.
func (l *loader) yamlError(file string, err error) {
	msgs := []string{err.Error()}
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	}
	for _, m := range msgs {
		m = strings.TrimSpace(m)
		pos := Pos{File: file}
		if g := yamlLine.FindStringSubmatch(m); g != nil {
			pos.Line, _ = strconv.Atoi(g[1])
			m = g[2]
		}
		if g := unknownField.FindStringSubmatch(m); g != nil {
			m = fmt.Sprintf("unknown key %q", g[1])
		}
		m = strings.TrimPrefix(m, "yaml: ")
		l.addf(pos, "%s", m)
	}
}

// mapValue returns the value of key in a mapping node.
func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// placed returns the items of the list under key, each with the file and
// line it was read from, and reports empty items ("entry 3 is empty").
func placed[T any](l *loader, file string, root *yaml.Node, key, what string, items []*T, pos func(*T) *Pos) []*T {
	nodes := seqItems(root, key)
	var out []*T
	for i, it := range items {
		if it == nil || i >= len(nodes) {
			l.addf(Pos{File: file, Line: mapValue(root, key).Line}, "%s %d is empty", what, i+1)
			continue
		}
		*pos(it) = Pos{File: file, Line: nodes[i].Line}
		l.remember(it, nodes[i])
		out = append(out, it)
	}
	return out
}

// remember keeps the tree an item was read from, for the lines of its
// fields should a problem be found in one.
func (l *loader) remember(item any, n *yaml.Node) {
	if l.nodes == nil {
		l.nodes = map[any]*yaml.Node{}
	}
	l.nodes[item] = n
}

// seqItems returns the items of the sequence under key, or nil.
func seqItems(root *yaml.Node, key string) []*yaml.Node {
	n := mapValue(root, key)
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	return n.Content
}

func (l *loader) loadSources(d Dir, files []decoded[Source]) {
	if len(files) == 0 {
		l.addf(Pos{File: d.Path}, "no source register (*.yaml) found")
		return
	}
	for _, f := range files {
		l.problems = append(l.problems, f.problems...)
		s, root, name := f.v, f.root, f.name
		if root == nil {
			continue
		}
		s.Pos = Pos{File: path.Join(d.Path, name), Line: root.Line}
		l.remember(s, root)
		l.kb.Sources = append(l.kb.Sources, s)
	}
}

func (l *loader) loadKB(d Dir, files []decoded[fileYAML]) {
	if len(files) == 0 {
		l.addf(Pos{File: d.Path}, "no knowledge-base files (*.yaml) found")
		return
	}
	for _, parsed := range files {
		l.problems = append(l.problems, parsed.problems...)
		file, f, root := path.Join(d.Path, parsed.name), parsed.v, parsed.root
		if root == nil {
			continue
		}
		l.kb.Entries = append(l.kb.Entries, placed(l, file, root, "entries", "entry", f.Entries, func(e *Entry) *Pos { return &e.Pos })...)
		l.kb.Rules = append(l.kb.Rules, placed(l, file, root, "rules", "rule", f.Rules, func(r *Rule) *Pos { return &r.Pos })...)
		syn := seqItems(root, "synonyms")
		for i, forms := range f.Synonyms {
			pos := Pos{File: file}
			if i < len(syn) {
				pos.Line = syn[i].Line
			}
			l.kb.Synonyms = append(l.kb.Synonyms, SynonymGroup{Forms: forms, Pos: pos})
		}
		if f.Messages != nil {
			pos := Pos{File: file, Line: mapValue(root, "messages").Line}
			if l.messages.File != "" {
				l.addf(pos, "messages are defined again (first at %s:%d)", l.messages.File, l.messages.Line)
			}
			l.messages = pos
			l.kb.Messages = *f.Messages
			l.remember(&l.kb.Messages, mapValue(root, "messages"))
		}
		if f.Menu != nil {
			pos := Pos{File: file, Line: mapValue(root, "menu").Line}
			if l.menu.File != "" {
				l.addf(pos, "the menu is defined again (first at %s:%d)", l.menu.File, l.menu.Line)
			}
			l.menu = pos
			l.kb.Menu = f.Menu
			l.remember(&l.kb.Menu, mapValue(root, "menu"))
		}
		l.kb.OffTopic = append(l.kb.OffTopic, f.OffTopic...)
		if f.OtherUses != nil {
			l.kb.OtherUses.Words = append(l.kb.OtherUses.Words, f.OtherUses.Words...)
			l.kb.OtherUses.Unless = append(l.kb.OtherUses.Unless, f.OtherUses.Unless...)
			l.kb.OtherUses.Treated = append(l.kb.OtherUses.Treated, f.OtherUses.Treated...)
		}
		l.kb.Fillers = append(l.kb.Fillers, f.Fillers...)
		l.kb.TopicSwitches = append(l.kb.TopicSwitches, f.TopicSwitches...)
		l.symbols(file, root, f.Symbols)
		l.kb.Lexicons = append(l.kb.Lexicons, f.Lexicons...)
		l.kb.Topics = append(l.kb.Topics, placed(l, file, root, "topics", "topic", f.Topics, func(t *Topic) *Pos { return &t.Pos })...)
		l.kb.Facets = append(l.kb.Facets, placed(l, file, root, "facets", "facet", f.Facets, func(t *Facet) *Pos { return &t.Pos })...)
		l.kb.HelpLines = append(l.kb.HelpLines, placed(l, file, root, "help_lines", "help line", f.HelpLines, func(h *HelpLine) *Pos { return &h.Pos })...)
		if f.Clinic != nil {
			l.kb.Clinic = *f.Clinic
			l.kb.Clinic.Pos = Pos{File: file, Line: mapValue(root, "clinic").Line}
		}
		if f.ReplyIn != nil {
			l.kb.ReplyIn.JA = append(l.kb.ReplyIn.JA, f.ReplyIn.JA...)
			l.kb.ReplyIn.EN = append(l.kb.ReplyIn.EN, f.ReplyIn.EN...)
		}
		l.noRepeats("off_topic", file, root)
		l.noRepeats("fillers", file, root)
		l.noRepeats("topic_switches", file, root)
	}
}

// symbols adds a file's symbols to the knowledge base. A symbol is made
// of symbols only, for a message with a letter in it is read by its
// letters; and it is read one way, in one file.
func (l *loader) symbols(file string, root *yaml.Node, symbols map[string]string) {
	for _, sym := range slices.Sorted(maps.Keys(symbols)) {
		word := symbols[sym]
		pos := Pos{File: file}
		if n := mapValue(mapValue(root, "symbols"), sym); n != nil {
			pos.Line = n.Line
		}
		switch _, twice := l.kb.Symbols[sym]; {
		case twice:
			l.addf(pos, "symbols: %q is read twice", sym)
			continue
		case strings.IndexFunc(sym, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0:
			l.addf(pos, "symbols: %q has a letter or digit in it; a message with one is read by its words", sym)
			continue
		case strings.TrimSpace(word) == "":
			l.addf(pos, "symbols: %q is read as nothing", sym)
			continue
		}
		if l.kb.Symbols == nil {
			l.kb.Symbols = map[string]string{}
		}
		l.kb.Symbols[sym] = word
	}
}

// noRepeats reports a word listed twice under key (off_topic, fillers),
// in any of the files: the second is an editing slip, and removing one
// copy would not do what the maintainer expects.
func (l *loader) noRepeats(key, file string, root *yaml.Node) {
	if l.listed == nil {
		l.listed = map[string]Pos{}
	}
	for _, n := range seqItems(root, key) {
		w := key + ":" + strings.ToLower(strings.TrimSpace(n.Value))
		if first, dup := l.listed[w]; dup {
			l.addf(Pos{File: file, Line: n.Line}, "%s: %q is listed twice (first at %s:%d)", key, n.Value, first.File, first.Line)
			continue
		}
		l.listed[w] = Pos{File: file, Line: n.Line}
	}
}
