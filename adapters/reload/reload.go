// Package reload swaps a new knowledge base into a running bot when its
// files change or when asked (SIGHUP): the new version is loaded and
// validated first, and swapped in only if it has no problems. Otherwise
// every problem is logged as file:line: message and the bot keeps
// answering from the last good version.
package reload

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"

	"alsbot/bot"
	"alsbot/knowledge"
)

// DefaultDebounce is how long the reloader waits after the last change to
// a file before reloading: an editor saving a file, or a git checkout,
// touches files several times in a few milliseconds.
const DefaultDebounce = 300 * time.Millisecond

// Observer learns the outcome of every reload: err is nil when the new
// version was swapped in.
type Observer interface {
	Reloaded(err error)
}

// Config says what to reload and how.
type Config struct {
	// Live is the bot new versions are swapped into.
	Live *bot.Live
	// Load reads and validates the knowledge base and builds a bot. An
	// error holds the problems (see knowledge.Problems).
	Load func(ctx context.Context) (*bot.Bot, error)
	// Check, if set, looks for weaker problems in a version that loaded
	// (example questions answered by another entry, say): they are
	// logged as warnings and do not stop the swap.
	Check func(ctx context.Context, b *bot.Bot) error
	// Logger receives one record per reload and one per problem.
	Logger *slog.Logger
	// Observer, if set, is told of every reload.
	Observer Observer
	// Debounce is the quiet time after a change before reloading;
	// DefaultDebounce when zero.
	Debounce time.Duration
}

// Reloader reloads the knowledge base on demand and, with Watch, when its
// files change. Reloads never run at the same time.
type Reloader struct {
	cfg Config
	mu  sync.Mutex
}

// New returns a reloader for cfg.
func New(cfg Config) *Reloader {
	if cfg.Debounce <= 0 {
		cfg.Debounce = DefaultDebounce
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Reloader{cfg: cfg}
}

// Reload loads the knowledge base and swaps it in if it is valid. It
// returns the problems found, after logging each of them; the bot then
// keeps its current version.
func (r *Reloader) Reload(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	start := time.Now()
	b, err := r.cfg.Load(ctx)
	if r.cfg.Observer != nil {
		r.cfg.Observer.Reloaded(err)
	}
	if err != nil {
		problems := knowledge.Problems(err)
		for _, p := range problems {
			r.cfg.Logger.Error("knowledge base problem", "problem", p.Error())
		}
		r.cfg.Logger.Error("knowledge base not reloaded: still answering from the previous version",
			"problems", len(problems))
		return fmt.Errorf("reload: %d problems: %w", len(problems), err)
	}
	r.cfg.Live.Swap(b)
	r.cfg.Logger.Info("knowledge base reloaded",
		"entries", len(b.KB().Entries), "ms", time.Since(start).Milliseconds())
	if r.cfg.Check != nil {
		Warn(r.cfg.Logger, r.cfg.Check(ctx, b))
	}
	return nil
}

// Warn logs each problem in err as a warning, as file:line: message.
func Warn(logger *slog.Logger, err error) {
	if err == nil {
		return
	}
	problems := knowledge.Problems(err)
	for _, p := range problems {
		logger.Warn("knowledge base warning", "problem", p.Error())
	}
	logger.Warn("the knowledge base is served with warnings (see alsbot validate)", "warnings", len(problems))
}

// Watch reloads whenever a *.yaml file in one of dirs is written, created,
// renamed or removed, once the changes have settled, until ctx is done.
// Editors that save by writing a new file and renaming it over the old one
// are seen too, since the directories are watched, not the files.
func (r *Reloader) Watch(ctx context.Context, dirs ...string) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch the knowledge base: %w", err)
	}
	defer w.Close()
	for _, d := range dirs {
		if err := w.Add(d); err != nil {
			return fmt.Errorf("watch %s: %w", d, err)
		}
	}
	r.cfg.Logger.Info("watching the knowledge base for changes", "dirs", dirs)
	timer := time.NewTimer(0)
	<-timer.C
	var fire <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			if !relevant(ev) {
				continue
			}
			timer.Reset(r.cfg.Debounce)
			fire = timer.C
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			r.cfg.Logger.Warn("watching the knowledge base", "err", err)
		case <-fire:
			fire = nil
			r.Reload(ctx) // logs its own outcome
		}
	}
}

// relevant reports whether ev may change the knowledge base: editors'
// swap and backup files are not.
func relevant(ev fsnotify.Event) bool {
	if !ev.Has(fsnotify.Write) && !ev.Has(fsnotify.Create) && !ev.Has(fsnotify.Remove) && !ev.Has(fsnotify.Rename) {
		return false
	}
	base := filepath.Base(ev.Name)
	if strings.HasPrefix(base, ".") {
		return false
	}
	ext := filepath.Ext(base)
	return ext == ".yaml" || ext == ".yml"
}
