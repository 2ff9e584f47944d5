package sqlite_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"alsbot/adapters/sqlite"
	"alsbot/adapters/userid"
	"alsbot/bot/gaps"
)

func TestMask(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"ミューズ細胞の費用は？", "ミューズ細胞の費用は?"},
		{"電話は090-1234-5678です", "電話は[number]です"},
		{"電話は０９０－１２３４－５６７８です", "電話は[number]です"},
		{"電話は０９０ー１２３４ー５６７８です", "電話は[number]です"},
		{"自宅 03(1234)5678 まで", "自宅 [number] まで"},
		{"call +81 90 1234 5678 please", "call [number] please"},
		{"09012345678", "[number]"},
		{"フリーダイヤル0120-123-456", "フリーダイヤル[number]"},
		{"〒700-8558 岡山市", "〒[number] 岡山市"},
		{"〇九〇一二三四五六七八に電話", "[number]に電話"},
		{"診察券番号 123456", "診察券番号 [number]"},
		{"生年月日 1950/03/02", "生年月日 [number]"},
		{"mail: taro.yamada+als@example.co.jp", "mail: [email]"},
		{"メールはｔａｒｏ＠ｅｘａｍｐｌｅ．ｃｏｍです", "メールは[email]です"},
		{"ouh-csnw◎adm.okayama-u.ac.jp まで", "[email] まで"},
		{"taro (at) example (dot) com", "[email]"},
		{"5人のうち3人、0.47から0.25、2023年11月28日、68歳", "5人のうち3人、0.47から0.25、2023年11月28日、68歳"},
		{"12345 is five digits", "12345 is five digits"},
	} {
		if got := sqlite.Mask(tc.in); got != tc.want {
			t.Errorf("Mask(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestPseudonym(t *testing.T) {
	a := userid.Hash("salt", "U1234567890abcdef")
	if a == "" || len(a) != 16 || strings.Contains(a, "U1234") {
		t.Fatalf("pseudonym %q", a)
	}
	if a != userid.Hash("salt", "U1234567890abcdef") {
		t.Error("the same id and salt give different pseudonyms")
	}
	if a == userid.Hash("other salt", "U1234567890abcdef") {
		t.Error("the salt does not change the pseudonym")
	}
	if a == userid.Hash("salt", "U1234567890abcdeg") {
		t.Error("two users share a pseudonym")
	}
	if userid.Hash("salt", "") != "" {
		t.Error("an empty id has a pseudonym")
	}
}

// clock is a settable clock for retention tests.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func open(t *testing.T, path string, opts sqlite.MissOptions) *sqlite.MissStore {
	t.Helper()
	s, err := sqlite.OpenMisses(context.Background(), path, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestNothingRawReachesTheFile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "misses.db")
	const (
		userID = "U4af4980629f0d0a1c5e6f77a1b2c3d4e"
		phone  = "090-8765-4321"
		email  = "hanako.sato@example.jp"
	)
	s := open(t, path, sqlite.MissOptions{Salt: "a secret salt", PurgeEvery: -1})
	err := s.Record(ctx, gaps.Miss{Channel: "line", Lang: "ja", User: userID, Kind: gaps.KindFallback,
		Question: "母の治療費について " + phone + " か " + email + " に連絡ください", Score: 0.2})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Since(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("%d misses", len(got))
	}
	m := got[0]
	if m.Question != "母の治療費について [number] か [email] に連絡ください" {
		t.Errorf("stored question %q", m.Question)
	}
	if m.User != userid.Hash("a secret salt", userID) {
		t.Errorf("stored user %q is not the pseudonym", m.User)
	}
	if m.Channel != "line" || m.Lang != "ja" || m.Kind != gaps.KindFallback || m.Score != 0.2 || m.Time.IsZero() {
		t.Errorf("stored %+v", m)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, raw := range []string{userID, phone, "8765", email, "hanako"} {
			if bytes.Contains(data, []byte(raw)) {
				t.Errorf("%s contains %q", filepath.Base(f), raw)
			}
		}
		if !bytes.Contains(data, []byte("治療費")) {
			t.Errorf("%s: the masked question is not where the test looks (it reads the wrong file?)", filepath.Base(f))
		}
		if st, _ := os.Stat(f); st.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s is readable by others: %v", filepath.Base(f), st.Mode().Perm())
		}
	}
}

func TestWithoutSaltNoUserIsStored(t *testing.T) {
	ctx := context.Background()
	s := open(t, ":memory:", sqlite.MissOptions{PurgeEvery: -1})
	if err := s.Record(ctx, gaps.Miss{Question: "質問", User: "U123"}); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Since(ctx, time.Time{})
	if len(got) != 1 || got[0].User != "" {
		t.Errorf("got %+v", got)
	}
}

func TestEmptyQuestionsAreNotStored(t *testing.T) {
	ctx := context.Background()
	s := open(t, ":memory:", sqlite.MissOptions{PurgeEvery: -1})
	for _, q := range []string{"", "  ", "\n"} {
		if err := s.Record(ctx, gaps.Miss{Question: q}); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := s.Since(ctx, time.Time{}); len(got) != 0 {
		t.Errorf("stored %+v", got)
	}
}

func TestRetention(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "misses.db")
	c := &clock{now: time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)}
	opts := sqlite.MissOptions{Retention: 90 * 24 * time.Hour, PurgeEvery: -1, Now: c.Now}
	s := open(t, path, opts)
	record := func(q string, at time.Time) {
		t.Helper()
		if err := s.Record(ctx, gaps.Miss{Question: q, Time: at, Kind: gaps.KindFallback}); err != nil {
			t.Fatal(err)
		}
	}
	record("old", c.Now().Add(-100*24*time.Hour))
	record("recent", c.Now().Add(-10*24*time.Hour))
	record("today", c.Now())

	questions := func(ms []gaps.Miss) string {
		var qs []string
		for _, m := range ms {
			qs = append(qs, m.Question)
		}
		return strings.Join(qs, ",")
	}
	got, _ := s.Since(ctx, time.Time{})
	if q := questions(got); q != "recent,today" {
		t.Errorf("within retention: %s", q)
	}
	got, _ = s.Since(ctx, c.Now().Add(-7*24*time.Hour))
	if q := questions(got); q != "today" {
		t.Errorf("since 7 days ago: %s", q)
	}
	n, err := s.Purge(ctx)
	if err != nil || n != 1 {
		t.Errorf("purge deleted %d (%v), want the old one", n, err)
	}

	// 85 days on, "recent" has expired; opening the store deletes it.
	s.Close()
	c.Add(85 * 24 * time.Hour)
	s2 := open(t, path, opts)
	got, _ = s2.Since(ctx, time.Time{})
	if q := questions(got); q != "today" {
		t.Errorf("after reopening 85 days later: %s", q)
	}
	if n, _ := s2.Purge(ctx); n != 0 {
		t.Errorf("opening left %d expired misses in the file", n)
	}
}

func TestExpiredMissesAreDeletedWhileOpen(t *testing.T) {
	ctx := context.Background()
	c := &clock{now: time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)}
	s := open(t, filepath.Join(t.TempDir(), "m.db"), sqlite.MissOptions{Retention: time.Hour, PurgeEvery: 10 * time.Millisecond, Now: c.Now})
	if err := s.Record(ctx, gaps.Miss{Question: "q", Time: c.Now()}); err != nil {
		t.Fatal(err)
	}
	c.Add(2 * time.Hour)
	deadline := time.Now().Add(10 * time.Second)
	for {
		// Purge reports what is left to delete: 0 once the loop has run.
		n, err := s.Purge(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the expired miss was not deleted by the periodic purge")
		}
		// Put it back and wait for the loop to take it.
		if err := s.Record(ctx, gaps.Miss{Question: "q", Time: c.Now().Add(-2 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestANilStoreRecordsNothing(t *testing.T) {
	var s *sqlite.MissStore
	if err := s.Record(context.Background(), gaps.Miss{Question: "q"}); err != nil {
		t.Error(err)
	}
	if err := s.Close(); err != nil {
		t.Error(err)
	}
}

// Many senders at once: every miss is written (in batches), none twice,
// and what is queued before Close is on disk after it.
func TestConcurrentRecordsAllLand(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "misses.db")
	s, err := sqlite.OpenMisses(ctx, path, sqlite.MissOptions{PurgeEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	const senders, each = 8, 100
	var wg sync.WaitGroup
	for g := range senders {
		wg.Go(func() {
			for i := range each {
				if err := s.Record(ctx, gaps.Miss{Question: fmt.Sprintf("question %d-%d", g, i), Kind: gaps.KindFallback}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Record(ctx, gaps.Miss{Question: "late"}); !errors.Is(err, sqlite.ErrMissDropped) {
		t.Errorf("Record after Close: %v, want ErrDropped", err)
	}
	s2 := open(t, path, sqlite.MissOptions{PurgeEvery: -1})
	got, err := s2.Since(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, m := range got {
		seen[m.Question] = true
	}
	if len(got) != senders*each || len(seen) != senders*each {
		t.Errorf("%d rows, %d distinct; want %d", len(got), len(seen), senders*each)
	}
}

func TestOpenRejectsPathsWithQueries(t *testing.T) {
	if _, err := sqlite.OpenMisses(context.Background(), "x.db?_pragma=foo", sqlite.MissOptions{}); err == nil {
		t.Error("a path with a query opened")
	}
}

func FuzzMask(f *testing.F) {
	for _, s := range []string{"090-1234-5678", "ｔａｒｏ＠ｅｘａｍｐｌｅ．ｃｏｍ", "〇九〇一二三四五六七八", "5人", "a◎b.c", "+81 (90) 1234-5678", "1 2 3 4 5 6"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := sqlite.Mask(s)
		if digits := longestDigitRun(out); digits >= 6 {
			t.Fatalf("Mask(%q) = %q keeps a run of %d digits", s, out, digits)
		}
		if sqlite.Mask(out) != out {
			t.Fatalf("masking twice changes %q: %q", out, sqlite.Mask(out))
		}
	})
}

// longestDigitRun counts the ASCII digits of the longest run broken only
// by single spaces or hyphens.
func longestDigitRun(s string) int {
	best, cur, gap := 0, 0, 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			cur++
			gap = 0
		case (r == ' ' || r == '-') && cur > 0 && gap == 0:
			gap++
		default:
			cur, gap = 0, 0
		}
		if cur > best {
			best = cur
		}
	}
	return best
}
