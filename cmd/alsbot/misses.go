package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"alsbot/adapters/sqlite"
	"alsbot/bot/gaps"
)

// Environment of the misses store, shared with the server.
const (
	envMisses          = "ALSBOT_MISSES"
	envMissesDB        = "ALSBOT_MISSES_DB"
	envMissesRetention = "ALSBOT_MISSES_RETENTION"
)

// openMissesStore opens the store of unanswered questions as the
// environment configures it, for alsbot serve to pass to
// gaps.NewRecorder: ALSBOT_MISSES=off switches recording off (the store
// is then nil, which records nothing), ALSBOT_MISSES_DB is the file
// (default misses.db in the state directory), ALSBOT_MISSES_RETENTION how long questions
// are kept (default 90d). salt keys the user pseudonyms: the server's
// ALSBOT_SALT, so that they match its logs.
func openMissesStore(ctx context.Context, getenv func(string) string, salt string, logger *slog.Logger) (*sqlite.MissStore, error) {
	switch strings.ToLower(strings.TrimSpace(getenv(envMisses))) {
	case "off", "0", "false", "no":
		return nil, nil
	case "", "on", "1", "true", "yes":
	default:
		return nil, fmt.Errorf("%s=%q: use on or off", envMisses, getenv(envMisses))
	}
	path := missesPath(getenv)
	if err := ensureDir(filepath.Dir(path)); err != nil {
		return nil, err
	}
	keep := sqlite.DefaultMissRetention
	if v := getenv(envMissesRetention); v != "" {
		var err error
		if keep, err = parseAge(v); err != nil {
			return nil, fmt.Errorf("%s: %w", envMissesRetention, err)
		}
	}
	return sqlite.OpenMisses(ctx, path, sqlite.MissOptions{Salt: salt, Retention: keep, Logger: logger})
}

// missesPath is the misses database: ALSBOT_MISSES_DB, or misses.db in
// the state directory.
func missesPath(getenv func(string) string) string {
	if p := getenv(envMissesDB); p != "" {
		return p
	}
	return filepath.Join(stateDir(getenv), "misses.db")
}

func runMisses(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("misses", flag.ContinueOnError)
	var kf kbFlags
	kf.register(fs, getenv)
	dbDefault := missesPath(getenv)
	retentionDefault := getenv(envMissesRetention)
	if retentionDefault == "" {
		retentionDefault = "90d"
	}
	db := fs.String("db", dbDefault, "the misses database `PATH` (env "+envMissesDB+")")
	since := fs.String("since", "7d", "questions of the last `AGE` (7d, 2w, 36h)")
	retention := fs.String("retention", retentionDefault, "the retention the server keeps misses for; opening the database deletes older ones (env "+envMissesRetention+")")
	similarity := fs.Float64("similarity", gaps.DefaultSimilarity, "least weighted word overlap (0–1) of two questions in one group")
	limit := fs.Int("limit", 20, "show at most `N` groups (0: all)")
	asJSON := fs.Bool("json", false, "print the groups as JSON")
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	age, err := parseAge(*since)
	if err != nil {
		fmt.Fprintf(stderr, "alsbot misses: --since: %v\n", err)
		return errUsage
	}
	keep, err := parseAge(*retention)
	if err != nil {
		fmt.Fprintf(stderr, "alsbot misses: --retention: %v\n", err)
		return errUsage
	}
	if _, err := os.Stat(*db); errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("no misses database at %s: is recording on, and is %s the path the server uses?", *db, envMissesDB)
	}
	store, err := sqlite.OpenMisses(ctx, *db, sqlite.MissOptions{Retention: keep, PurgeEvery: -1})
	if err != nil {
		return err
	}
	defer store.Close()
	from := time.Now().Add(-age)
	ms, err := store.Since(ctx, from)
	if err != nil {
		return err
	}
	b, err := kf.load(stderr)
	if err != nil {
		return err
	}
	groups := gaps.GroupMisses(ms, b, *similarity)
	shown := groups
	if *limit > 0 && len(shown) > *limit {
		shown = shown[:*limit]
	}
	if *asJSON {
		return writeMissesJSON(stdout, shown)
	}
	return writeMisses(stdout, ms, groups, shown, from)
}

// missGroupJSON is one group of misses as alsbot misses --json prints it.
type missGroupJSON struct {
	Count     int            `json:"count"`
	Example   string         `json:"example"`
	Closest   string         `json:"closest"`
	Coverage  float64        `json:"coverage"`
	Users     int            `json:"users"`
	Kinds     map[string]int `json:"kinds"`
	Langs     map[string]int `json:"langs"`
	Last      time.Time      `json:"last"`
	Questions []string       `json:"questions"`
}

func writeMissesJSON(w io.Writer, groups []*gaps.Group) error {
	out := []missGroupJSON{}
	for _, g := range groups {
		j := missGroupJSON{Count: g.Count(), Example: g.Example, Closest: g.Closest, Coverage: g.Coverage,
			Users: g.Users, Kinds: g.Kinds, Langs: g.Langs, Last: g.Last}
		for _, m := range g.Misses {
			j.Questions = append(j.Questions, m.Question)
		}
		out = append(out, j)
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func writeMisses(w io.Writer, ms []gaps.Miss, groups, shown []*gaps.Group, from time.Time) error {
	kinds := map[string]int{}
	for _, m := range ms {
		kinds[m.Kind]++
	}
	fmt.Fprintf(w, "%d unanswered questions since %s (%s) in %d groups", len(ms), from.Format("2006-01-02 15:04"), counts(kinds), len(groups))
	if len(shown) < len(groups) {
		fmt.Fprintf(w, ", the %d largest shown", len(shown))
	}
	fmt.Fprintln(w, ":")
	for i, g := range shown {
		users := fmt.Sprintf("%d users", g.Users)
		if g.Users == 1 {
			users = "1 user"
		}
		fmt.Fprintf(w, "\n%3d. %d× (%s; %s; %s; last %s)\n", i+1, g.Count(), users, counts(g.Langs), counts(g.Kinds), g.Last.Format("2006-01-02 15:04"))
		fmt.Fprintf(w, "     e.g. %q\n", g.Example)
		if g.Closest == "" {
			fmt.Fprintln(w, "     closest entry: none: nothing in the knowledge base matches")
		} else {
			fmt.Fprintf(w, "     closest entry: %s (covers %.0f%% of the question)\n", g.Closest, 100*g.Coverage)
		}
	}
	_, err := fmt.Fprintln(w)
	return err
}

// counts writes a count map as "fallback 3, clarify 1", largest first.
func counts(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		name := k
		if name == "" {
			name = "?"
		}
		parts = append(parts, name+" "+strconv.Itoa(m[k]))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// parseAge reads an age as days (90d), weeks (2w) or a Go duration
// (36h, 90m); a bare number is days.
func parseAge(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	unit := time.Duration(0)
	num := s
	switch {
	case strings.HasSuffix(s, "d"):
		unit, num = 24*time.Hour, strings.TrimSuffix(s, "d")
	case strings.HasSuffix(s, "w"):
		unit, num = 7*24*time.Hour, strings.TrimSuffix(s, "w")
	default:
		if n, err := strconv.ParseFloat(s, 64); err == nil {
			return positive(time.Duration(n*24) * time.Hour)
		}
		d, err := time.ParseDuration(s)
		if err != nil {
			return 0, fmt.Errorf("%q is not an age (write 7d, 2w or 36h)", s)
		}
		return positive(d)
	}
	n, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not an age (write 7d, 2w or 36h)", s)
	}
	return positive(time.Duration(n * float64(unit)))
}

func positive(d time.Duration) (time.Duration, error) {
	if d <= 0 {
		return 0, fmt.Errorf("the age must be more than zero")
	}
	return d, nil
}
