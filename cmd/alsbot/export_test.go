package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"alsbot/knowledge"
)

// TestExportJSONRoundTrip exports the shipped knowledge base as JSON,
// writes it back as YAML files, loads those, and expects the same
// knowledge base: nothing is lost on the way out.
func TestExportJSONRoundTrip(t *testing.T) {
	out, _, err := runCmd(t, "", nil, "export", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var exp exportKB
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&exp); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	kbDir, srcDir := filepath.Join(dir, "knowledge"), filepath.Join(dir, "seeds")
	os.Mkdir(kbDir, 0o755)
	os.Mkdir(srcDir, 0o755)
	writeYAML(t, filepath.Join(kbDir, "all.yaml"), exp)
	for _, s := range exp.Sources {
		if s.Link == "" && (s.URL != "" || s.DOI != "") {
			t.Errorf("source %s has no link", s.ID)
		}
		writeYAML(t, filepath.Join(srcDir, s.ID+".yaml"), s)
	}
	back, err := knowledge.Load(knowledge.Dir{FS: os.DirFS(kbDir), Path: "x"}, knowledge.Dir{FS: os.DirFS(srcDir), Path: "y"})
	if err != nil {
		t.Fatalf("the export does not load back: %v", err)
	}
	orig, err := knowledge.LoadShipped()
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Entries) != len(orig.Entries) || len(back.Sources) != len(orig.Sources) || len(back.Rules) != len(orig.Rules) || len(back.Synonyms) != len(orig.Synonyms) {
		t.Fatalf("counts differ: %d/%d entries, %d/%d sources, %d/%d rules, %d/%d synonyms", len(back.Entries), len(orig.Entries),
			len(back.Sources), len(orig.Sources), len(back.Rules), len(orig.Rules), len(back.Synonyms), len(orig.Synonyms))
	}
	// Compared as YAML, where a list left out and an empty one are alike.
	same := func(what string, a, b any) {
		t.Helper()
		if ya, yb := yamlString(t, a), yamlString(t, b); ya != yb {
			t.Errorf("%s differs after the round trip:\n%s\n---\n%s", what, ya, yb)
		}
	}
	for i, e := range orig.Entries {
		same("entry "+e.ID, e, back.Entries[i])
	}
	byID := map[string]*knowledge.Source{}
	for _, s := range back.Sources {
		byID[s.ID] = s
	}
	for _, s := range orig.Sources {
		same("source "+s.ID, s, byID[s.ID])
	}
	for i, r := range orig.Rules {
		same("rule "+r.ID, r, back.Rules[i])
	}
	if !reflect.DeepEqual(orig.Messages, back.Messages) || !reflect.DeepEqual(orig.Menu, back.Menu) ||
		!reflect.DeepEqual(orig.OffTopic, back.OffTopic) || !reflect.DeepEqual(orig.Fillers, back.Fillers) || !reflect.DeepEqual(orig.TopicSwitches, back.TopicSwitches) {
		t.Error("messages, menu, off-topic words or fillers differ after the round trip")
	}
}

func yamlString(t *testing.T, v any) string {
	t.Helper()
	data, err := yaml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func writeYAML(t *testing.T, path string, v any) {
	t.Helper()
	data, err := yaml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestExportMarkdown(t *testing.T) {
	kb := writeKB(t, today(), nil)
	out, _, err := runCmd(t, "", nil, "export", "--kb", kb, "--format", "markdown")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"# ALSの新しい治療についてのQ&A / Questions and answers on new ALS therapies",
		"> 一般的な情報です  \n> General information",
		"## Muse細胞の治験 / The Muse cell trial",
		"  - [ミューズ細胞の治験 / The Muse trial](#muse)",
		`### <a id="muse"></a>ミューズ細胞の治験 / The Muse trial`,
		"**日本語**\n\nミューズ細胞の治験には  \n患者さん5人が参加しました。",
		"**English**\n\n5 patients took part  \nin the Muse trial.",
		"Medium answer &lt;b&gt;\\*",
		"出典 / Sources: [press](#source-press) · 確認日 / reviewed " + today(),
		`### <a id="source-press"></a>岡山大学のプレスリリース`,
		"A University, 2023-12-21. <https://example.org/press> (`press`)",
		"- 5 patients took part in the Muse trial.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the page lacks %q:\n%s", want, out)
		}
	}
}

func TestExportShippedMarkdownHasEveryEntry(t *testing.T) {
	out, _, err := runCmd(t, "", nil, "export", "--format", "markdown")
	if err != nil {
		t.Fatal(err)
	}
	kb, err := knowledge.LoadShipped()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range kb.Entries {
		if !strings.Contains(out, `<a id="`+e.ID+`"></a>`) {
			t.Errorf("entry %s is missing from the page", e.ID)
		}
	}
	for _, s := range kb.Sources {
		if !strings.Contains(out, `<a id="source-`+s.ID+`"></a>`) {
			t.Errorf("source %s is missing from the page", s.ID)
		}
	}
}

func TestExportRejectsAnUnknownFormat(t *testing.T) {
	if _, _, err := runCmd(t, "", nil, "export", "--format", "pdf"); err != errUsage {
		t.Errorf("got %v", err)
	}
}
