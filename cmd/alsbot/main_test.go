package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"alsbot/bot"
)

func runCmd(t *testing.T, stdin string, env map[string]string, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, func(k string) string { return env[k] }, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestAskJSONHasTheDocumentedFields(t *testing.T) {
	out, _, err := runCmd(t, "", nil, "ask", "--json", "ミューズ細胞の治験結果は？", "今日の天気は？")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("want one JSON line per question, got:\n%s", out)
	}
	var first map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"kind", "lang", "text", "entry", "rule", "score", "sources", "suggestions", "notice"} {
		if _, ok := first[k]; !ok {
			t.Errorf("field %q missing from %s", k, lines[0])
		}
	}
	if first["kind"] != "answer" || first["lang"] != "ja" || first["entry"] != "muse-trial-efficacy" {
		t.Errorf("first reply: %s", lines[0])
	}
	src := first["sources"].([]any)[0].(map[string]any)
	if src["title"] == "" || src["url"] == "" {
		t.Errorf("first source lacks title or url: %v", src)
	}
	if !strings.Contains(lines[1], `"kind":"fallback"`) {
		t.Errorf("second reply is not a fallback: %s", lines[1])
	}
}

func TestAskReadsStandardInput(t *testing.T) {
	out, _, err := runCmd(t, "what is conditioned medium\n\n上清液って何\n", nil, "ask", "--json")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out, "\n"); n != 2 {
		t.Errorf("two questions, %d replies:\n%s", n, out)
	}
}

func TestChatShowsAnswerSourcesAndFollowUps(t *testing.T) {
	out, _, err := runCmd(t, "ミューズ細胞の治験結果は？\n1\nquit\n", nil, "chat")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"0.47", "出典:", "番号で選べます:"} {
		if !strings.Contains(out, want) {
			t.Errorf("chat output lacks %q", want)
		}
	}
}

func TestValidateShippedKnowledgeBase(t *testing.T) {
	out, _, err := runCmd(t, "", nil, "validate")
	if err != nil {
		t.Fatalf("validate: %v\n%s", err, out)
	}
	if !strings.HasPrefix(out, "ok:") {
		t.Errorf("validate printed %q", out)
	}
}

// TestValidateReportsFileAndLine copies the knowledge base, breaks one
// answer's sources, and expects the problem at its file and line.
func TestValidateReportsFileAndLine(t *testing.T) {
	dir := t.TempDir()
	kb := filepath.Join(dir, "knowledge")
	if err := os.CopyFS(kb, os.DirFS("../../knowledge")); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(kb, "muse.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(data), "sources: [okayama-muse-press-2023, yamashita-2023]", "sources: [no-such-source]", 1)
	if err := os.WriteFile(path, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	line := 1 + strings.Count(broken[:strings.Index(broken, "no-such-source")], "\n")
	out, _, err := runCmd(t, "", map[string]string{"ALSBOT_KB": kb}, "validate")
	if err == nil {
		t.Fatal("validate passed a broken knowledge base")
	}
	want := filepath.ToSlash(path) + ":" + itoa(line) + `: entry "muse-what" cites unknown source "no-such-source"`
	if !strings.Contains(out, want) {
		t.Errorf("validate output lacks %q:\n%s", want, out)
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestUnknownCommandIsAUsageError(t *testing.T) {
	_, errOut, err := runCmd(t, "", nil, "frobnicate")
	if err != errUsage || !strings.Contains(errOut, "Usage:") {
		t.Errorf("got %v, %q", err, errOut)
	}
}

func TestAskConversationUnderstandsFollowUps(t *testing.T) {
	out, _, err := runCmd(t, "ミューズ細胞の治験の結果は？\n副作用は？\n", nil, "ask", "--json", "--conversation")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d replies, want 2:\n%s", len(lines), out)
	}
	var first, second bot.Reply
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(lines[1]), &second); err != nil {
		t.Fatal(err)
	}
	if first.Entry != "muse-trial-efficacy" || second.Entry != "muse-trial-safety" {
		t.Fatalf("got %s then %s, want muse-trial-efficacy then muse-trial-safety", first.Entry, second.Entry)
	}
	if first.Notice == "" || second.Notice != "" {
		t.Errorf("the disclaimer should come with the first answer only: %q, %q", first.Notice, second.Notice)
	}
	// Without --conversation each question stands alone.
	out, _, _ = runCmd(t, "副作用は？\n", nil, "ask", "--json")
	if strings.Contains(out, `"kind":"answer"`) {
		t.Errorf("a bare 副作用は？ was answered without context: %s", out)
	}
}
