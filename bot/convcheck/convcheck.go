// Package convcheck is the conformance suite every bot.Conversations
// passes: the memory store and the shared ones (Redis) alike.
package convcheck

import (
	"context"
	"reflect"
	"testing"
	"time"

	"alsbot/bot"
)

// Run holds the store open returns (forgetting idle conversations after
// ttl) to the contract of bot.Conversations: what is put is got back
// whole, conversations are kept apart, and an idle one is forgotten.
func Run(t *testing.T, ttl time.Duration, open func(t *testing.T) bot.Conversations) {
	ctx := context.Background()
	t.Run("round trip", func(t *testing.T) {
		s := open(t)
		c := bot.Conversation{Entry: "muse-what", Topic: "muse", Lang: "ja", ReplyLang: "en", Choices: []string{"a", "b"}, Seen: []string{"muse-what"},
			Noticed: map[string]time.Time{"ja": time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}}
		s.Put(ctx, "line:U1", c)
		got, ok := s.Get(ctx, "line:U1")
		if !ok {
			t.Fatal("not found")
		}
		if !got.Noticed["ja"].Equal(c.Noticed["ja"]) {
			t.Errorf("noticed %v, want %v", got.Noticed, c.Noticed)
		}
		got.Noticed, c.Noticed = nil, nil
		if !reflect.DeepEqual(got, c) {
			t.Errorf("got %+v, want %+v", got, c)
		}
		if _, ok := s.Get(ctx, "line:U2"); ok {
			t.Error("another conversation found")
		}
	})
	t.Run("idle ones are forgotten", func(t *testing.T) {
		s := open(t)
		s.Put(ctx, "slack:C1:T1", bot.Conversation{Entry: "cm-what"})
		time.Sleep(ttl + ttl/2)
		if _, ok := s.Get(ctx, "slack:C1:T1"); ok {
			t.Error("an idle conversation is still remembered")
		}
	})
}
