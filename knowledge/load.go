package knowledge

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"

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
	Entries  []*Entry   `yaml:"entries"`
	Synonyms [][]string `yaml:"synonyms"`
	Rules    []*Rule    `yaml:"rules"`
	Messages *Messages  `yaml:"messages"`
	Menu     []string   `yaml:"menu"`
	OffTopic []string   `yaml:"off_topic"`
	Fillers  []string   `yaml:"fillers"`
}

// Load reads every *.yaml file of kb and of the source register seeds,
// and checks them. It returns every problem at once, each as a *Problem
// joined with errors.Join; the KB is nil when there is any.
func Load(kb, seeds Dir) (*KB, error) {
	l := &loader{kb: &KB{entries: map[string]*Entry{}, sources: map[string]*Source{}}}
	l.loadSources(seeds)
	l.loadKB(kb)
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
	lines    map[any]map[string]int // field lines of each entry, rule and source
	messages Pos                    // where messages were defined
	menu     Pos                    // where the menu was defined
}

func (l *loader) addf(pos Pos, format string, args ...any) {
	l.problems = append(l.problems, &Problem{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

// line returns the line of a field of an entry, rule or source (a path such
// as "answer.ja" or "patterns.en.2"), or the line the item starts on.
func (l *loader) line(item any, field string, start Pos) Pos {
	if n, ok := l.lines[item][field]; ok {
		return Pos{File: start.File, Line: n}
	}
	return start
}

func yamlFiles(d Dir) ([]string, error) {
	names, err := fs.Glob(d.FS, "*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	return names, nil
}

// decode parses one file strictly into v, reporting syntax errors and
// unknown keys with their line, and returns the parsed document tree.
func (l *loader) decode(d Dir, name string, v any) *yaml.Node {
	file := path.Join(d.Path, name)
	data, err := fs.ReadFile(d.FS, name)
	if err != nil {
		l.addf(Pos{File: file}, "cannot read: %v", err)
		return nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		l.yamlError(file, err)
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		l.yamlError(file, err)
		return nil
	}
	if len(doc.Content) == 0 {
		return nil
	}
	return doc.Content[0]
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

// fieldLines records the line of every value under n, by dotted path.
func fieldLines(n *yaml.Node, prefix string, into map[string]int) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := k.Value
			if prefix != "" {
				p = prefix + "." + k.Value
			}
			into[p] = k.Line
			fieldLines(v, p, into)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			p := prefix + "." + strconv.Itoa(i)
			into[p] = c.Line
			fieldLines(c, p, into)
		}
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

func (l *loader) remember(item any, n *yaml.Node) {
	if l.lines == nil {
		l.lines = map[any]map[string]int{}
	}
	m := map[string]int{}
	fieldLines(n, "", m)
	l.lines[item] = m
}

// seqItems returns the items of the sequence under key, or nil.
func seqItems(root *yaml.Node, key string) []*yaml.Node {
	n := mapValue(root, key)
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	return n.Content
}

func (l *loader) loadSources(d Dir) {
	names, err := yamlFiles(d)
	if err != nil || len(names) == 0 {
		l.addf(Pos{File: d.Path}, "no source register (*.yaml) found")
		return
	}
	for _, name := range names {
		s := new(Source)
		root := l.decode(d, name, s)
		if root == nil {
			continue
		}
		s.Pos = Pos{File: path.Join(d.Path, name), Line: root.Line}
		l.remember(s, root)
		l.kb.Sources = append(l.kb.Sources, s)
	}
}

func (l *loader) loadKB(d Dir) {
	names, err := yamlFiles(d)
	if err != nil || len(names) == 0 {
		l.addf(Pos{File: d.Path}, "no knowledge-base files (*.yaml) found")
		return
	}
	for _, name := range names {
		file := path.Join(d.Path, name)
		var f fileYAML
		root := l.decode(d, name, &f)
		if root == nil {
			continue
		}
		entries := seqItems(root, "entries")
		for i, e := range f.Entries {
			if e == nil || i >= len(entries) {
				l.addf(Pos{File: file, Line: mapValue(root, "entries").Line}, "entry %d is empty", i+1)
				continue
			}
			e.Pos = Pos{File: file, Line: entries[i].Line}
			l.remember(e, entries[i])
			l.kb.Entries = append(l.kb.Entries, e)
		}
		rules := seqItems(root, "rules")
		for i, r := range f.Rules {
			if r == nil || i >= len(rules) {
				l.addf(Pos{File: file, Line: mapValue(root, "rules").Line}, "rule %d is empty", i+1)
				continue
			}
			r.Pos = Pos{File: file, Line: rules[i].Line}
			l.remember(r, rules[i])
			l.kb.Rules = append(l.kb.Rules, r)
		}
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
		l.kb.Fillers = append(l.kb.Fillers, f.Fillers...)
	}
}
