// Package outbox declares the store of accepted platform events that
// outlives the process: an adapter puts an event before it acknowledges
// the webhook and marks it done once the answer is delivered, and on start
// it resumes the events left pending. alsbot/adapters/sqlite keeps one in
// a file.
package outbox

import (
	"context"
	"time"
)

// Event is one accepted platform event, kept until it is answered.
type Event struct {
	// ID is the platform's event id (LINE's webhookEventId).
	ID string
	// Channel is the platform ("line").
	Channel string
	// Data is the event as the platform sent it, and what the adapter
	// needs with it (the webhook's destination).
	Data []byte
	// Received is when the webhook arrived.
	Received time.Time
	// Attempted reports whether an answer was being sent when the process
	// stopped: it may have reached the platform.
	Attempted bool
}

// Store keeps events until they are answered. It is safe for concurrent
// use.
type Store interface {
	// Put records events durably before it returns; an event already
	// recorded (a redelivery) is left as it is.
	Put(ctx context.Context, events []Event) error
	// Attempting records that an answer is about to be sent.
	Attempting(ctx context.Context, channel, id string) error
	// Done marks an event answered, or needing no answer.
	Done(ctx context.Context, channel, id string) error
	// Pending returns the channel's events not yet done, oldest first.
	Pending(ctx context.Context, channel string) ([]Event, error)
}

// Leaser is a Store shared by replicas, each event leased to one of them
// (Pending hands over only the events whose lease ran out). Renew, called
// as an answer begins, reports whether the event is still this replica's,
// extending the lease; false means another replica has taken it over and
// answers it.
type Leaser interface {
	Renew(ctx context.Context, channel, id string) (bool, error)
}
