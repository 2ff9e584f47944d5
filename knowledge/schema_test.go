package knowledge

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// The JSON Schemas maintainers' editors validate the YAML files with.
const (
	kbSchemaFile     = "schema/knowledge.schema.json"
	sourceSchemaFile = "schema/source.schema.json"
)

// schema is the part of JSON Schema (draft-07) the two schemas use.
type schema struct {
	Ref                  string             `json:"$ref"`
	Type                 any                `json:"type"` // a name or a list of names
	Properties           map[string]*schema `json:"properties"`
	AdditionalProperties *additional        `json:"additionalProperties"`
	Required             []string           `json:"required"`
	Items                *schema            `json:"items"`
	Enum                 []any              `json:"enum"`
	Pattern              string             `json:"pattern"`
	MinItems             int                `json:"minItems"`
	MinLength            int                `json:"minLength"`
	AnyOf                []*schema          `json:"anyOf"`
	AllOf                []*schema          `json:"allOf"`
	Definitions          map[string]*schema `json:"definitions"`
	Description          string             `json:"description"`
}

// additional is what additionalProperties says: false forbids keys the
// properties do not list; a schema is what every value of a map is.
type additional struct {
	forbid bool
	values *schema
}

func (a *additional) UnmarshalJSON(data []byte) error {
	switch string(data) {
	case "false":
		a.forbid = true
		return nil
	case "true":
		return nil
	}
	a.values = new(schema)
	return json.Unmarshal(data, a.values)
}

func readSchema(t *testing.T, file string) *schema {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	var s schema
	if err := dec.Decode(&s); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return &s
}

// resolve follows a local $ref of s in root.
func (root *schema) resolve(s *schema) *schema {
	for s != nil && s.Ref != "" {
		s = root.Definitions[strings.TrimPrefix(s.Ref, "#/definitions/")]
	}
	return s
}

// goShape describes a Go type the way shapeOf describes a schema:
// "string", "bool", "[]string", "Text", "[]Entry".
func goShape(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Pointer:
		return goShape(t.Elem())
	case reflect.Slice:
		return "[]" + goShape(t.Elem())
	case reflect.Map:
		return "map[" + goShape(t.Key()) + "]" + goShape(t.Elem())
	case reflect.Struct:
		return t.Name()
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "bool"
	case reflect.Int:
		return "integer"
	}
	return t.Kind().String()
}

// definitionTypes names the Go type of each schema definition that is an
// object; the others (id, date, period) are strings.
var definitionTypes = map[string]string{"text": "Text", "texts": "Texts", "entry": "Entry", "rule": "Rule", "messages": "Messages", "lexicon": "Lexicon", "topic": "Topic", "facet": "Facet", "clinic": "Clinic", "call": "Call", "other_uses": "OtherUses", "help_line": "HelpLine", "office_hours": "OfficeHours"}

func (root *schema) shapeOf(s *schema) string {
	if s.Ref != "" {
		name := strings.TrimPrefix(s.Ref, "#/definitions/")
		if goName, ok := definitionTypes[name]; ok {
			return goName
		}
		return root.shapeOf(root.resolve(s))
	}
	switch types := s.Type.(type) {
	case string:
		switch types {
		case "array":
			if s.Items == nil {
				return "[]?"
			}
			return "[]" + root.shapeOf(s.Items)
		case "boolean":
			return "bool"
		case "object":
			if ap := s.AdditionalProperties; ap != nil && ap.values != nil {
				return "map[string]" + root.shapeOf(ap.values)
			}
		}
		return types
	case []any:
		// ["string", "integer"]: a date YAML may read as a number; Go
		// takes it as a string.
		if len(types) > 0 && types[0] == "string" {
			return "string"
		}
	}
	return fmt.Sprint(s.Type)
}

// TestSchemaMatchesGoTypes fails when a field is added to, removed from or
// retyped in the Go types without the same change in the schema (or the
// other way round): editors would then complete keys the loader rejects,
// or reject keys it accepts.
func TestSchemaMatchesGoTypes(t *testing.T) {
	kb := readSchema(t, kbSchemaFile)
	src := readSchema(t, sourceSchemaFile)
	for _, tc := range []struct {
		name string
		goT  reflect.Type
		root *schema
		s    *schema
	}{
		{"a knowledge-base file", reflect.TypeFor[fileYAML](), kb, kb},
		{"an entry", reflect.TypeFor[Entry](), kb, kb.Definitions["entry"]},
		{"a rule", reflect.TypeFor[Rule](), kb, kb.Definitions["rule"]},
		{"a lexicon", reflect.TypeFor[Lexicon](), kb, kb.Definitions["lexicon"]},
		{"a topic", reflect.TypeFor[Topic](), kb, kb.Definitions["topic"]},
		{"a facet", reflect.TypeFor[Facet](), kb, kb.Definitions["facet"]},
		{"the clinic", reflect.TypeFor[Clinic](), kb, kb.Definitions["clinic"]},
		{"a call", reflect.TypeFor[Call](), kb, kb.Definitions["call"]},
		{"the messages", reflect.TypeFor[Messages](), kb, kb.Definitions["messages"]},
		{"a text", reflect.TypeFor[Text](), kb, kb.Definitions["text"]},
		{"a list of texts", reflect.TypeFor[Texts](), kb, kb.Definitions["texts"]},
		{"other uses", reflect.TypeFor[OtherUses](), kb, kb.Definitions["other_uses"]},
		{"a help line", reflect.TypeFor[HelpLine](), kb, kb.Definitions["help_line"]},
		{"office hours", reflect.TypeFor[OfficeHours](), kb, kb.Definitions["office_hours"]},
		{"a source", reflect.TypeFor[Source](), src, src},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.s == nil {
				t.Fatal("the schema has no definition for it")
			}
			if tc.s.AdditionalProperties == nil || !tc.s.AdditionalProperties.forbid {
				t.Error("the schema allows keys the loader rejects: set additionalProperties to false")
			}
			fields := yamlFields(tc.goT)
			var keys []string
			for k := range fields {
				keys = append(keys, k)
			}
			for k := range tc.s.Properties {
				if _, ok := fields[k]; !ok {
					keys = append(keys, k)
				}
			}
			sort.Strings(keys)
			for _, k := range keys {
				goT, inGo := fields[k]
				prop, inSchema := tc.s.Properties[k]
				switch {
				case !inSchema:
					t.Errorf("%s.%s (yaml %q) is not in the schema", tc.goT.Name(), k, k)
				case !inGo:
					t.Errorf("the schema has %q, which %s does not", k, tc.goT)
				default:
					if g, s := goShape(goT), tc.root.shapeOf(prop); g != s {
						t.Errorf("%q: Go has %s, the schema %s", k, g, s)
					}
				}
			}
			for _, r := range tc.s.Required {
				if _, ok := tc.s.Properties[r]; !ok {
					t.Errorf("the schema requires %q, which it does not define", r)
				}
			}
		})
	}
}

// validate checks a YAML node against s, as an editor would, and returns
// the problems with their lines. It knows the keywords the schemas use.
func (root *schema) validate(n *yaml.Node, s *schema, at string) []string {
	s = root.resolve(s)
	if s == nil {
		return nil
	}
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	fail := func(format string, args ...any) []string {
		return []string{fmt.Sprintf("line %d: %s: %s", n.Line, at, fmt.Sprintf(format, args...))}
	}
	var out []string
	for _, sub := range s.AllOf {
		out = append(out, root.validate(n, sub, at)...)
	}
	if len(s.AnyOf) > 0 {
		ok := false
		for _, sub := range s.AnyOf {
			if len(root.validate(n, sub, at)) == 0 {
				ok = true
			}
		}
		if !ok {
			out = append(out, fail("matches none of the alternatives")...)
		}
	}
	kind := nodeType(n)
	if s.Type != nil && !typeAllows(s.Type, kind) {
		return append(out, fail("%s where %v is wanted", kind, s.Type)...)
	}
	switch n.Kind {
	case yaml.MappingNode:
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i].Value, n.Content[i+1]
			seen[k] = true
			prop, ok := s.Properties[k]
			if !ok {
				switch ap := s.AdditionalProperties; {
				case ap != nil && ap.forbid:
					out = append(out, fmt.Sprintf("line %d: %s: unknown key %q", n.Content[i].Line, at, k))
				case ap != nil && ap.values != nil:
					out = append(out, root.validate(v, ap.values, at+"."+k)...)
				}
				continue
			}
			out = append(out, root.validate(v, prop, at+"."+k)...)
		}
		for _, r := range s.Required {
			if !seen[r] {
				out = append(out, fail("%q is missing", r)...)
			}
		}
	case yaml.SequenceNode:
		if len(n.Content) < s.MinItems {
			out = append(out, fail("%d items, at least %d wanted", len(n.Content), s.MinItems)...)
		}
		if s.Items != nil {
			for i, c := range n.Content {
				out = append(out, root.validate(c, s.Items, fmt.Sprintf("%s.%d", at, i))...)
			}
		}
	case yaml.ScalarNode:
		if len(s.Enum) > 0 && !enumHas(s.Enum, n.Value) {
			out = append(out, fail("%q is not one of %v", n.Value, s.Enum)...)
		}
		if kind == "string" {
			if s.Pattern != "" && !regexp.MustCompile(s.Pattern).MatchString(n.Value) {
				out = append(out, fail("%q does not match %s", n.Value, s.Pattern)...)
			}
			if len([]rune(n.Value)) < s.MinLength {
				out = append(out, fail("empty")...)
			}
		}
	}
	return out
}

// nodeType is the JSON type a YAML 1.2 reader (as editors use) gives a
// node: an unquoted 2026-11-21 is a string there.
func nodeType(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "object"
	case yaml.SequenceNode:
		return "array"
	case yaml.AliasNode:
		return nodeType(n.Alias)
	}
	switch n.ShortTag() {
	case "!!int":
		return "integer"
	case "!!float":
		return "number"
	case "!!bool":
		return "boolean"
	case "!!null":
		return "null"
	}
	return "string"
}

func typeAllows(t any, kind string) bool {
	switch t := t.(type) {
	case string:
		return t == kind || t == "number" && kind == "integer"
	case []any:
		for _, x := range t {
			if typeAllows(x, kind) {
				return true
			}
		}
	}
	return false
}

func enumHas(enum []any, v string) bool {
	for _, e := range enum {
		if fmt.Sprint(e) == v {
			return true
		}
	}
	return false
}

func validateFile(t *testing.T, root *schema, data []byte) []string {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	return root.validate(&doc, root, "$")
}

// modeline is the first line of every shipped YAML file: it tells editors
// (yaml-language-server) which schema to validate and complete with.
var modeline = regexp.MustCompile(`^# yaml-language-server: \$schema=(\S+)\n`)

// TestShippedFilesFollowTheSchema validates every shipped file against its
// schema the way an editor would, and checks that each names its schema
// on its first line.
func TestShippedFilesFollowTheSchema(t *testing.T) {
	for _, tc := range []struct {
		dir, schemaFile string
	}{
		{".", kbSchemaFile},
		{"../seeds", sourceSchemaFile},
	} {
		root := readSchema(t, tc.schemaFile)
		files, err := fs.Glob(os.DirFS(tc.dir), "*.yaml")
		if err != nil || len(files) == 0 {
			t.Fatalf("%s: no YAML files (%v)", tc.dir, err)
		}
		for _, f := range files {
			data, err := os.ReadFile(path.Join(tc.dir, f))
			if err != nil {
				t.Fatal(err)
			}
			m := modeline.FindSubmatch(data)
			if m == nil {
				t.Errorf("%s/%s: the first line does not name the schema (# yaml-language-server: $schema=…)", tc.dir, f)
			} else if got, want := abs(t, filepath.Join(tc.dir, string(m[1]))), abs(t, tc.schemaFile); got != want {
				t.Errorf("%s/%s names the schema %s, which is not %s", tc.dir, f, m[1], tc.schemaFile)
			}
			for _, p := range validateFile(t, root, data) {
				t.Errorf("%s/%s: %s", tc.dir, f, p)
			}
		}
	}
}

func abs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestSchemaCatchesMistakes makes sure the schema is strict where the
// loader is: a schema that accepted anything would pass the test above.
func TestSchemaCatchesMistakes(t *testing.T) {
	kb := readSchema(t, kbSchemaFile)
	src := readSchema(t, sourceSchemaFile)
	const entry = `entries:
  - id: muse-what
    title: {ja: ミューズ, en: Muse}
    questions: {ja: [ミューズとは], en: [what is muse]}
    answer: {ja: 答え, en: Answer}
    sources: [press]
    reviewed: 2026-11-21
`
	if p := validateFile(t, kb, []byte(entry)); len(p) != 0 {
		t.Fatalf("a good entry fails: %v", p)
	}
	for _, tc := range []struct {
		name, from, to, want string
		root                 *schema
	}{
		{"a misspelt key", "reviewed:", "reveiwed:", `unknown key "reveiwed"`, kb},
		{"a missing answer", "    answer: {ja: 答え, en: Answer}\n", "", `"answer" is missing`, kb},
		{"a missing language", "answer: {ja: 答え, en: Answer}", "answer: {ja: 答え}", `"en" is missing`, kb},
		{"a bad id", "id: muse-what", "id: Muse What", "does not match", kb},
		{"a bad date", "reviewed: 2026-11-21", "reviewed: 21.11.2026", "does not match", kb},
		{"a list for a text", "title: {ja: ミューズ, en: Muse}", "title: [ミューズ]", "array where object is wanted", kb},
		{"no sources", "sources: [press]", "sources: []", "0 items, at least 1 wanted", kb},
		{"a reading not in hiragana", "reviewed:", "readings: [ミューズ]\n    reviewed:", "does not match", kb},
		{"a rule's then", "entries:", "rules:\n  - {id: x, patterns: {ja: [a], en: [a]}, reply: {ja: a, en: a}, then: later}\nentries:", `"later" is not one of`, kb},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := strings.Replace(entry, tc.from, tc.to, 1)
			ps := validateFile(t, tc.root, []byte(bad))
			if !strings.Contains(strings.Join(ps, "\n"), tc.want) {
				t.Errorf("problems %q, want %q", ps, tc.want)
			}
		})
	}
	const source = `id: press
kind: press-release
title: T
publisher: P
date: 2023-12-21
url: https://example.org
lang: ja
facts: [5 patients]
`
	if p := validateFile(t, src, []byte(source)); len(p) != 0 {
		t.Fatalf("a good source fails: %v", p)
	}
	for _, tc := range []struct{ name, from, to, want string }{
		{"an unknown kind", "kind: press-release", "kind: tweet", `"tweet" is not one of`},
		{"no way to find it", "url: https://example.org\n", "", "matches none of the alternatives"},
		{"no facts", "facts: [5 patients]", "facts: []", "0 items"},
		{"a misspelt key", "title: T", "titel: T", `unknown key "titel"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ps := validateFile(t, src, []byte(strings.Replace(source, tc.from, tc.to, 1)))
			if !strings.Contains(strings.Join(ps, "\n"), tc.want) {
				t.Errorf("problems %q, want %q", ps, tc.want)
			}
		})
	}
}
