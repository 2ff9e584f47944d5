package bot

import (
	"context"
	"sync"
	"time"
)

// Conversation is what the bot remembers of one conversation, so that a
// follow-up ("副作用は？", "and how was it given?") is understood in the
// topic of the answer before it.
type Conversation struct {
	// Entry and Topic are those of the last answer; empty before one.
	Entry string
	Topic string
	// Lang is the language of the last reply.
	Lang string
	// ReplyLang is the reply language the conversation asked for
	// ("英語でお願いします"), which holds until it asks for the other.
	ReplyLang string
	// Choices are the entries the last reply offered to choose from, in
	// order, so that "2" picks the second.
	Choices []string
	// Seen are the entries answered so far, oldest first.
	Seen []string
	// Noticed is when the disclaimer was last shown, by language.
	Noticed map[string]time.Time
}

// Conversations keeps conversations by key. A shared store (Redis, SQL)
// can replace the in-memory one behind this interface.
type Conversations interface {
	Get(ctx context.Context, key string) (Conversation, bool)
	Put(ctx context.Context, key string, c Conversation)
}

// MemoryConversations keeps conversations in this process's memory and
// forgets one when it has been idle for its time to live. It is safe for
// concurrent use.
type MemoryConversations struct {
	ttl     time.Duration
	now     func() time.Time
	mu      sync.Mutex
	convs   map[string]memoryConversation
	sweepAt time.Time
}

type memoryConversation struct {
	c     Conversation
	until time.Time
}

var _ Conversations = (*MemoryConversations)(nil)

// DefaultConversationTTL is how long an idle conversation is remembered.
const DefaultConversationTTL = 30 * time.Minute

// NewMemoryConversations returns an empty store forgetting conversations
// idle for ttl.
func NewMemoryConversations(ttl time.Duration) *MemoryConversations {
	return &MemoryConversations{ttl: ttl, now: time.Now, convs: map[string]memoryConversation{}}
}

// Get returns the conversation under key, unless it is unknown or expired.
func (m *MemoryConversations) Get(_ context.Context, key string) (Conversation, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	mc, ok := m.convs[key]
	if !ok || m.now().After(mc.until) {
		return Conversation{}, false
	}
	return mc.c, true
}

// Put stores the conversation under key, for another ttl.
func (m *MemoryConversations) Put(_ context.Context, key string, c Conversation) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if now.After(m.sweepAt) {
		for k, mc := range m.convs {
			if now.After(mc.until) {
				delete(m.convs, k)
			}
		}
		m.sweepAt = now.Add(m.ttl)
	}
	m.convs[key] = memoryConversation{c: c, until: now.Add(m.ttl)}
}

// Len is the number of conversations held, expired ones included until
// the next sweep.
func (m *MemoryConversations) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.convs)
}
