package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"alsbot/adapters/sqlite"
	"alsbot/bot/gaps"
)

// recordMisses fills a misses database as the server would.
func recordMisses(t *testing.T, path string, ms ...gaps.Miss) {
	t.Helper()
	st, err := sqlite.OpenMisses(context.Background(), path, sqlite.MissOptions{Salt: "salt", PurgeEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, m := range ms {
		if err := st.Record(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
}

func TestMissesGroupsLargestFirst(t *testing.T) {
	db := filepath.Join(t.TempDir(), "misses.db")
	now := time.Now()
	miss := func(q, user string, ago time.Duration) gaps.Miss {
		return gaps.Miss{Time: now.Add(-ago), Channel: "line", Lang: "ja", Question: q, User: user, Kind: gaps.KindFallback}
	}
	recordMisses(t, db,
		miss("ミューズ細胞の治療費はいくらですか 090-1111-2222", "U1", 2*time.Hour),
		miss("ミューズ細胞の治療費は保険がききますか", "U2", time.Hour),
		miss("ミューズ細胞の治療費はいくら？", "U1", 30*time.Minute),
		miss("ALSの食事で気をつけることは？", "U3", 3*time.Hour),
		miss("ALSの食事はどうすればいい？", "U4", 20*time.Minute),
		miss("ALSのリハビリについて", "U5", 10*time.Minute),
		miss("先月の質問", "U6", 10*24*time.Hour), // older than --since
	)
	out, _, err := runCmd(t, "", map[string]string{envMissesDB: db}, "misses", "--since", "7d")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"6 unanswered questions since", "(fallback 6)", "in 3 groups"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	cost, diet, rehab := strings.Index(out, "  1. 3× (2 users"), strings.Index(out, "  2. 2× (2 users"), strings.Index(out, "  3. 1× (1 user;")
	if cost < 0 || diet < cost || rehab < diet {
		t.Errorf("groups not largest first:\n%s", out)
	}
	if !strings.Contains(out[cost:diet], "治療費") || !strings.Contains(out[diet:rehab], "食事") || !strings.Contains(out[cost:diet], "closest entry: ") {
		t.Errorf("groups hold the wrong questions:\n%s", out)
	}
	if strings.Contains(out, "1111") || strings.Contains(out, "先月") {
		t.Errorf("output shows a masked number or an old question:\n%s", out)
	}

	out, _, err = runCmd(t, "", nil, "misses", "--db", db, "--since", "7d", "--json", "--limit", "2")
	if err != nil {
		t.Fatal(err)
	}
	var groups []missGroupJSON
	if err := json.Unmarshal([]byte(out), &groups); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if len(groups) != 2 || groups[0].Count != 3 || groups[1].Count != 2 || groups[0].Closest == "" {
		t.Errorf("groups %+v", groups)
	}
}

func TestMissesWithoutDatabase(t *testing.T) {
	_, _, err := runCmd(t, "", nil, "misses", "--db", filepath.Join(t.TempDir(), "none.db"))
	if err == nil || !strings.Contains(err.Error(), "no misses database") {
		t.Errorf("got %v", err)
	}
}

// TestMissesKeepsTheServersRetention: the command opens the database the
// server writes, and opening deletes expired rows: it must use the
// server's retention, not its own default.
func TestMissesKeepsTheServersRetention(t *testing.T) {
	db := filepath.Join(t.TempDir(), "misses.db")
	recordMisses(t, db, gaps.Miss{Time: time.Now().Add(-100 * 24 * time.Hour), Question: "百日前の質問", Kind: gaps.KindFallback})
	env := map[string]string{envMissesDB: db, envMissesRetention: "180d"}
	out, _, err := runCmd(t, "", env, "misses", "--since", "120d")
	if err != nil || !strings.Contains(out, "百日前") {
		t.Errorf("with a 180-day retention the 100-day-old question is gone: %v\n%s", err, out)
	}
	out, _, err = runCmd(t, "", map[string]string{envMissesDB: db}, "misses", "--since", "120d")
	if err != nil || strings.Contains(out, "百日前") {
		t.Errorf("with the default 90 days it is still shown: %v\n%s", err, out)
	}
}

func TestOpenMissesStoreFromTheEnvironment(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		env  map[string]string
		off  bool
		bad  bool
	}{
		{"on by default", map[string]string{envMissesDB: filepath.Join(dir, "a.db")}, false, false},
		{"switched off", map[string]string{envMisses: "off", envMissesDB: filepath.Join(dir, "b.db")}, true, false},
		{"a retention", map[string]string{envMissesDB: filepath.Join(dir, "c.db"), envMissesRetention: "30d"}, false, false},
		{"a bad retention", map[string]string{envMissesDB: filepath.Join(dir, "d.db"), envMissesRetention: "soon"}, false, true},
		{"a bad switch", map[string]string{envMisses: "maybe"}, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, err := openMissesStore(ctx, func(k string) string { return tc.env[k] }, "salt", nil)
			if (err != nil) != tc.bad {
				t.Fatalf("error %v", err)
			}
			defer st.Close()
			if tc.bad {
				return
			}
			if (st == nil) != tc.off {
				t.Fatalf("store %v, want off %v", st, tc.off)
			}
			// Recording through a switched-off (nil) store does nothing.
			if err := st.Record(ctx, gaps.Miss{Question: "q", User: "U1"}); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(tc.env[envMissesDB]); (err == nil) == tc.off {
				t.Errorf("database file exists: %v, want %v", err == nil, !tc.off)
			}
		})
	}
}
