package slack

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"time"

	slackgo "github.com/slack-go/slack"
)

// answerEventType marks the bot's answers in Slack (message metadata),
// with the message they answer: before a retry after a failure whose
// outcome is unknown, the adapter looks for it, so that an answer is
// never posted twice.
const answerEventType = "alsbot_answer"

// deliveryPolicy bounds the retries of a post that got a 5xx, a rate
// limit or no answer.
type deliveryPolicy struct {
	attempts int
	base     time.Duration // wait before the first retry; doubles
	max      time.Duration
}

var defaultDelivery = deliveryPolicy{attempts: 4, base: 500 * time.Millisecond, max: 8 * time.Second}

// answerKey names the message an answer is for: its event id, else its
// channel and timestamp, else the command's or click's trigger.
func answerKey(in incoming) string {
	switch {
	case in.eventID != "":
		return in.eventID
	case in.ts != "":
		return in.channel + ":" + in.ts
	}
	return in.key
}

// deliver posts with opts, retrying what may succeed later. After an
// attempt whose outcome is unknown (a 5xx, a timeout), it first looks in
// the conversation for the answer: Slack may have posted it.
func (a *Adapter) deliver(ctx context.Context, in incoming, opts []slackgo.MsgOption) (attempts int, err error) {
	key := answerKey(in)
	if in.responseURL == "" && key != "" {
		opts = append(opts, slackgo.MsgOptionMetadata(slackgo.SlackMetadata{
			EventType: answerEventType, EventPayload: map[string]any{"answer_to": key},
		}))
	}
	p := a.delivery
	for attempt := 1; ; attempt++ {
		_, _, err = a.api.PostMessageContext(ctx, in.channel, opts...)
		if err == nil {
			return attempt, nil
		}
		wait, retry, unsure := retryable(err)
		if !retry || attempt >= p.attempts || ctx.Err() != nil {
			return attempt, err
		}
		if wait == 0 {
			wait = p.backoff(attempt)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return attempt, err
		case <-t.C:
		}
		if unsure && in.responseURL == "" && key != "" {
			found, ferr := a.posted(ctx, in, key)
			if ferr != nil {
				a.log.Warn("slack: could not look for an answer of unknown outcome; posting again", "event_id", in.eventID, "err", withoutURL(ferr))
			} else if found {
				return attempt, nil
			}
		}
	}
}

// retryable says whether a failed post may succeed if tried again, after
// how long (0: the backoff), and whether Slack may have posted it anyway.
func retryable(err error) (wait time.Duration, retry, unsure bool) {
	var rl *slackgo.RateLimitedError
	var sc slackgo.StatusCodeError
	var ne net.Error
	switch {
	case errors.As(err, &rl):
		return rl.RetryAfter, true, false
	case errors.As(err, &sc):
		return 0, sc.Code >= 500, sc.Code >= 500
	case errors.As(err, &ne):
		return 0, true, true
	}
	return 0, false, false
}

// posted reports whether the conversation holds the bot's answer to key.
func (a *Adapter) posted(ctx context.Context, in incoming, key string) (bool, error) {
	var msgs []slackgo.Message
	if in.threadTS != "" {
		m, _, _, err := a.api.GetConversationRepliesContext(ctx, &slackgo.GetConversationRepliesParameters{
			ChannelID: in.channel, Timestamp: in.threadTS, Limit: 200, IncludeAllMetadata: true,
		})
		if err != nil {
			return false, err
		}
		msgs = m
	} else {
		res, err := a.api.GetConversationHistoryContext(ctx, &slackgo.GetConversationHistoryParameters{
			ChannelID: in.channel, Limit: 50, IncludeAllMetadata: true,
			Oldest: fmt.Sprintf("%d.000000", in.received.Add(-time.Minute).Unix()),
		})
		if err != nil {
			return false, err
		}
		msgs = res.Messages
	}
	for _, m := range msgs {
		if m.Metadata.EventType == answerEventType && m.Metadata.EventPayload["answer_to"] == key {
			return true, nil
		}
	}
	return false, nil
}

// backoff is the wait before retry n (from 1): doubling, with jitter.
func (p deliveryPolicy) backoff(n int) time.Duration {
	d := p.base << (n - 1)
	if d > p.max || d <= 0 {
		d = p.max
	}
	return d/2 + rand.N(d/2+1)
}
