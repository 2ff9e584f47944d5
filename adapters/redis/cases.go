package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"alsbot/adapters/handoff"
)

// Cases is handoff.Store in Redis, so that a staff reply reaching one
// replica finds the case another opened. Each case is one JSON value;
// indexes map a LINE user to their open case and a thread to its case;
// the open cases and the closed ones (by when) are sets, for reminders and
// for forgetting user ids. The raw LINE user id is kept only in the case,
// and in the user index while the case is open.
type Cases struct{ c *Client }

var _ handoff.Store = (*Cases)(nil)

// Cases returns the shared store of handoff cases.
func (c *Client) Cases() *Cases { return &Cases{c: c} }

type storedCase struct {
	ID        int64  `json:"id"`
	User      string `json:"user"`
	Pseudonym string `json:"pseudonym"`
	Lang      string `json:"lang"`
	Thread    string `json:"thread"`
	Status    string `json:"status"`
	Opened    int64  `json:"opened"`
	Answered  int64  `json:"answered,omitempty"`
	Reminded  int64  `json:"reminded,omitempty"`
	Closed    int64  `json:"closed,omitempty"`
	TakenBy   string `json:"taken_by,omitempty"`
}

func toStored(c handoff.Case) storedCase {
	return storedCase{ID: c.ID, User: c.User, Pseudonym: c.Pseudonym, Lang: c.Lang, Thread: c.Thread, Status: string(c.Status),
		Opened: toMillis(c.Opened), Answered: toMillis(c.Answered), Reminded: toMillis(c.Reminded), Closed: toMillis(c.Closed), TakenBy: c.TakenBy}
}

func (s storedCase) cas() handoff.Case {
	return handoff.Case{ID: s.ID, User: s.User, Pseudonym: s.Pseudonym, Lang: s.Lang, Thread: s.Thread, Status: handoff.Status(s.Status),
		Opened: fromMillis(s.Opened), Answered: fromMillis(s.Answered), Reminded: fromMillis(s.Reminded), Closed: fromMillis(s.Closed), TakenBy: s.TakenBy}
}

func toMillis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}

func (s *Cases) key(id int64) string { return s.c.prefix + "case:" + strconv.FormatInt(id, 10) }
func (s *Cases) userKey(u string) string {
	return s.c.prefix + "case-user:" + u
}
func (s *Cases) threadKey(t string) string { return s.c.prefix + "case-thread:" + t }
func (s *Cases) openSet() string           { return s.c.prefix + "cases-open" }
func (s *Cases) closedSet() string         { return s.c.prefix + "cases-closed" }

// Create records a new case with the next id.
func (s *Cases) Create(ctx context.Context, c handoff.Case) (handoff.Case, error) {
	ctx, cancel := s.c.call(ctx)
	defer cancel()
	id, err := s.c.rdb.Incr(ctx, s.c.prefix+"case-seq").Result()
	if err != nil {
		return c, fmt.Errorf("redis cases: %w", err)
	}
	c.ID = id
	return c, s.write(ctx, c)
}

func (s *Cases) write(ctx context.Context, c handoff.Case) error {
	data, _ := json.Marshal(toStored(c))
	_, err := s.c.rdb.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		p.Set(ctx, s.key(c.ID), data, 0)
		if c.Thread != "" {
			p.Set(ctx, s.threadKey(c.Thread), c.ID, 0)
		}
		switch c.Status {
		case handoff.Open:
			p.SAdd(ctx, s.openSet(), c.ID)
			if c.User != "" {
				p.Set(ctx, s.userKey(c.User), c.ID, 0)
			}
		case handoff.Closed:
			p.SRem(ctx, s.openSet(), c.ID)
			p.ZAdd(ctx, s.closedSet(), goredis.Z{Score: float64(toMillis(c.Closed)), Member: c.ID})
			if c.User != "" {
				p.Del(ctx, s.userKey(c.User))
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("redis cases: %w", err)
	}
	return nil
}

func (s *Cases) get(ctx context.Context, id int64) (handoff.Case, bool, error) {
	data, err := s.c.rdb.Get(ctx, s.key(id)).Bytes()
	if errors.Is(err, goredis.Nil) {
		return handoff.Case{}, false, nil
	}
	if err != nil {
		return handoff.Case{}, false, fmt.Errorf("redis cases: %w", err)
	}
	var sc storedCase
	if err := json.Unmarshal(data, &sc); err != nil {
		return handoff.Case{}, false, fmt.Errorf("redis cases: case %d: %w", id, err)
	}
	return sc.cas(), true, nil
}

func (s *Cases) byIndex(ctx context.Context, key string) (handoff.Case, bool, error) {
	ctx, cancel := s.c.call(ctx)
	defer cancel()
	id, err := s.c.rdb.Get(ctx, key).Int64()
	if errors.Is(err, goredis.Nil) {
		return handoff.Case{}, false, nil
	}
	if err != nil {
		return handoff.Case{}, false, fmt.Errorf("redis cases: %w", err)
	}
	return s.get(ctx, id)
}

// OpenByUser returns the user's open case, if any.
func (s *Cases) OpenByUser(ctx context.Context, user string) (handoff.Case, bool, error) {
	c, ok, err := s.byIndex(ctx, s.userKey(user))
	if err != nil || !ok || c.Status != handoff.Open {
		return handoff.Case{}, false, err
	}
	return c, true, nil
}

// ByThread returns the case of a thread.
func (s *Cases) ByThread(ctx context.Context, thread string) (handoff.Case, bool, error) {
	if thread == "" {
		return handoff.Case{}, false, nil
	}
	return s.byIndex(ctx, s.threadKey(thread))
}

// Update writes a case back.
func (s *Cases) Update(ctx context.Context, c handoff.Case) error {
	ctx, cancel := s.c.call(ctx)
	defer cancel()
	return s.write(ctx, c)
}

// Relayed records a staff message as relayed, reporting false when it
// already was.
func (s *Cases) Relayed(ctx context.Context, caseID int64, message string) (bool, error) {
	ctx, cancel := s.c.call(ctx)
	defer cancel()
	n, err := s.c.rdb.SAdd(ctx, s.c.prefix+"case-relayed:"+strconv.FormatInt(caseID, 10), message).Result()
	if err != nil {
		return false, fmt.Errorf("redis cases: %w", err)
	}
	return n == 1, nil
}

// Waiting lists the open cases no staff member has answered yet.
func (s *Cases) Waiting(ctx context.Context) ([]handoff.Case, error) {
	ctx, cancel := s.c.call(ctx)
	defer cancel()
	ids, err := s.c.rdb.SMembers(ctx, s.openSet()).Result()
	if err != nil {
		return nil, fmt.Errorf("redis cases: %w", err)
	}
	var out []handoff.Case
	for _, v := range ids {
		id, _ := strconv.ParseInt(v, 10, 64)
		c, ok, err := s.get(ctx, id)
		if err != nil {
			return out, err
		}
		if ok && c.Status == handoff.Open && c.Answered.IsZero() && c.Thread != "" {
			out = append(out, c)
		}
	}
	return out, nil
}

// Forget deletes the user ids of cases closed before t.
func (s *Cases) Forget(ctx context.Context, t time.Time) (int64, error) {
	ctx, cancel := s.c.call(ctx)
	defer cancel()
	ids, err := s.c.rdb.ZRangeByScore(ctx, s.closedSet(), &goredis.ZRangeBy{Min: "-inf", Max: "(" + strconv.FormatInt(t.UnixMilli(), 10)}).Result()
	if err != nil {
		return 0, fmt.Errorf("redis cases: %w", err)
	}
	var n int64
	for _, v := range ids {
		id, _ := strconv.ParseInt(v, 10, 64)
		c, ok, err := s.get(ctx, id)
		if err != nil {
			return n, err
		}
		if ok && c.User != "" {
			c.User = ""
			if err := s.write(ctx, c); err != nil {
				return n, err
			}
			n++
		}
		s.c.rdb.ZRem(ctx, s.closedSet(), v)
	}
	return n, nil
}

// Offer records that user was offered a person, until the offer lapses.
func (s *Cases) Offer(ctx context.Context, user string, until time.Time) error {
	ctx, cancel := s.c.call(ctx)
	defer cancel()
	return s.c.rdb.Set(ctx, s.c.prefix+"case-offer:"+user, until.UnixMilli(), time.Until(until)+time.Minute).Err()
}

// TakeOffer reports whether an offer to user stands at now, and
// withdraws it.
func (s *Cases) TakeOffer(ctx context.Context, user string, now time.Time) (bool, error) {
	ctx, cancel := s.c.call(ctx)
	defer cancel()
	until, err := s.c.rdb.GetDel(ctx, s.c.prefix+"case-offer:"+user).Int64()
	if errors.Is(err, goredis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("redis cases: %w", err)
	}
	return now.UnixMilli() < until, nil
}
