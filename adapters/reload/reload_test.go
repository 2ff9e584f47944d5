package reload

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fsnotify/fsnotify"

	"alsbot/adapters/logbuf"
	"alsbot/bot"
	"alsbot/knowledge"
)

// syncBuffer captures logs from concurrent writers.
type syncBuffer = logbuf.Buffer

// copyYAML copies the *.yaml files of src into a new directory dst.
func copyYAML(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	names, _ := filepath.Glob(filepath.Join(src, "*.yaml"))
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, filepath.Base(n)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// kbCopy is a writable copy of the shipped knowledge base and register.
type kbCopy struct{ kb, seeds string }

func newKBCopy(t *testing.T) kbCopy {
	dir := t.TempDir()
	c := kbCopy{kb: filepath.Join(dir, "knowledge"), seeds: filepath.Join(dir, "seeds")}
	copyYAML(t, "../../knowledge", c.kb)
	copyYAML(t, "../../seeds", c.seeds)
	return c
}

func (c kbCopy) load(context.Context) (*bot.Bot, error) {
	kb, err := knowledge.Load(knowledge.Dir{FS: os.DirFS(c.kb), Path: c.kb}, knowledge.Dir{FS: os.DirFS(c.seeds), Path: c.seeds})
	if err != nil {
		return nil, err
	}
	return bot.New(kb)
}

// edit rewrites a file as many editors do: a new file renamed over the old.
func (c kbCopy) edit(t *testing.T, name, old, new string) {
	t.Helper()
	path := filepath.Join(c.kb, name)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(old)) {
		t.Fatalf("%s does not contain %q", name, old)
	}
	b = bytes.Replace(b, []byte(old), []byte(new), 1)
	tmp := filepath.Join(c.kb, "."+name+".swp")
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

type outcomes struct {
	mu       sync.Mutex
	ok, fail int
}

func (o *outcomes) Reloaded(err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if err != nil {
		o.fail++
	} else {
		o.ok++
	}
}

func (o *outcomes) counts() (int, int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.ok, o.fail
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestEditsAreWatched(t *testing.T) {
	c := newKBCopy(t)
	first, err := c.load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	live := bot.NewLive(first)
	answer := func() string {
		r := live.Ask(context.Background(), bot.Question{Entry: "muse-what", Lang: "ja"})
		if r.Entry != "muse-what" {
			t.Fatal("entry muse-what is gone")
		}
		return r.Text
	}
	old := answer()
	var logs syncBuffer
	obs := &outcomes{}
	r := New(Config{Live: live, Load: c.load, Observer: obs, Debounce: 50 * time.Millisecond,
		Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Watch(ctx, c.kb, c.seeds) }()
	eventually(t, "the watcher to start", func() bool { return strings.Contains(logs.String(), "watching") })

	// An invalid edit: an unknown key. The bot keeps the old version and
	// the log says where the problem is.
	c.edit(t, "muse.yaml", "    topic: muse\n", "    topik: muse\n")
	eventually(t, "the problem to be logged", func() bool { return strings.Contains(logs.String(), "knowledge base not reloaded") })
	if !regexp.MustCompile(`"problem":"[^"]*muse\.yaml:\d+: [^"]+"`).MatchString(logs.String()) {
		t.Errorf("no file:line: message for muse.yaml in the log:\n%s", logs.String())
	}
	if got := answer(); got != old {
		t.Errorf("after an invalid edit the answer changed to %q", got)
	}

	// Fixed, with a new answer text: swapped in without a restart.
	c.edit(t, "muse.yaml", "    topik: muse\n", "    topic: muse\n")
	c.edit(t, "muse.yaml", "Muse細胞は幹細胞の一種で", "【改訂】Muse細胞は幹細胞の一種で")
	eventually(t, "the new answer", func() bool { return strings.HasPrefix(answer(), "【改訂】") })
	ok, fail := obs.counts()
	if ok < 1 || fail < 1 {
		t.Errorf("observer saw %d reloads and %d failures, want at least one of each", ok, fail)
	}

	cancel()
	if err := <-done; err != nil {
		t.Errorf("Watch: %v", err)
	}
}

func TestReloadOnDemandRefusesAnInvalidVersion(t *testing.T) {
	c := newKBCopy(t)
	first, err := c.load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	live := bot.NewLive(first)
	var logs syncBuffer
	r := New(Config{Live: live, Load: c.load, Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	c.edit(t, "muse.yaml", "    topic: muse\n", "    topic: [muse\n")
	if err := r.Reload(context.Background()); err == nil {
		t.Fatal("an invalid knowledge base was swapped in")
	}
	if live.Current() != first {
		t.Error("the bot was swapped after a failed reload")
	}
	if !regexp.MustCompile(`muse\.yaml:\d+: `).MatchString(logs.String()) {
		t.Errorf("log lacks file:line:\n%s", logs.String())
	}
	c.edit(t, "muse.yaml", "    topic: [muse\n", "    topic: muse\n")
	if err := r.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	if live.Current() == first {
		t.Error("a valid reload was not swapped in")
	}
}

func TestReloadLogsEveryProblem(t *testing.T) {
	var logs syncBuffer
	two := errors.Join(
		&knowledge.Problem{Pos: knowledge.Pos{File: "kb/a.yaml", Line: 3}, Msg: "first"},
		&knowledge.Problem{Pos: knowledge.Pos{File: "kb/b.yaml", Line: 9}, Msg: "second"})
	r := New(Config{Live: bot.NewLive(nil), Load: func(context.Context) (*bot.Bot, error) { return nil, two },
		Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	r.Reload(context.Background())
	for _, want := range []string{"kb/a.yaml:3: first", "kb/b.yaml:9: second"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q", want)
		}
	}
}

func TestCheckWarnsButSwaps(t *testing.T) {
	c := newKBCopy(t)
	first, err := c.load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	live := bot.NewLive(first)
	var logs syncBuffer
	r := New(Config{Live: live, Load: c.load, Logger: slog.New(slog.NewJSONHandler(&logs, nil)),
		Check: func(context.Context, *bot.Bot) error {
			return &knowledge.Problem{Pos: knowledge.Pos{File: "kb/a.yaml", Line: 7}, Msg: "an example question gets another entry"}
		}})
	if err := r.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	if live.Current() == first {
		t.Error("a version with warnings only was not swapped in")
	}
	if !strings.Contains(logs.String(), `"level":"WARN","msg":"knowledge base warning","problem":"kb/a.yaml:7: an example question gets another entry"`) {
		t.Errorf("warning not logged:\n%s", logs.String())
	}
}

func TestRelevant(t *testing.T) {
	tests := []struct {
		name string
		op   fsnotify.Op
		want bool
	}{
		{"kb/muse.yaml", fsnotify.Write, true},
		{"kb/muse.yaml", fsnotify.Create, true},
		{"kb/muse.yaml", fsnotify.Rename, true},
		{"kb/muse.yaml", fsnotify.Remove, true},
		{"kb/muse.yml", fsnotify.Write, true},
		{"kb/muse.yaml", fsnotify.Chmod, false},
		{"kb/.muse.yaml.swp", fsnotify.Write, false},
		{"kb/muse.yaml~", fsnotify.Create, false},
		{"kb/4913", fsnotify.Create, false},
		{"kb/README.md", fsnotify.Write, false},
	}
	for _, tt := range tests {
		if got := relevant(fsnotify.Event{Name: tt.name, Op: tt.op}); got != tt.want {
			t.Errorf("relevant(%s %s) = %v, want %v", tt.op, tt.name, got, tt.want)
		}
	}
}
