package line

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"
)

// retryPolicy bounds the retries of a Messaging API call that got 429, a
// 5xx or no answer.
type retryPolicy struct {
	attempts int           // tries in all
	base     time.Duration // wait before the first retry; doubles each time
	max      time.Duration // longest wait, also for Retry-After
}

var defaultRetry = retryPolicy{attempts: 4, base: 300 * time.Millisecond, max: 5 * time.Second}

// loadingSeconds is how long the loading animation may show; it stops as
// soon as the answer arrives.
const loadingSeconds = 10

// api sends through the Messaging API. The SDK client keeps its context
// in the client itself (WithContext), so each call gets its own client.
type api struct {
	token string
	base  string
	hc    *http.Client
	retry retryPolicy
}

func (a *api) client(ctx context.Context) *messaging_api.MessagingApiAPI {
	// The token and endpoint were checked by New: this cannot fail.
	c, err := messaging_api.NewMessagingApiAPI(a.token, messaging_api.WithEndpoint(a.base), messaging_api.WithHTTPClient(a.hc))
	if err != nil {
		panic(fmt.Sprintf("line: messaging client: %v", err))
	}
	return c.WithContext(ctx)
}

// sent says how an answer went out.
type sent struct {
	via      string // "reply" or "push"; empty when nothing was delivered
	attempts int
	// maybeDelivered: it failed, but an attempt may have been carried
	// out (a 5xx, a lost connection) on a reply, which no key protects:
	// sending it again could answer twice.
	maybeDelivered bool
}

// sendOptions shape one delivery.
type sendOptions struct {
	// retryKey is the push's X-Line-Retry-Key, the same for every try
	// of the event.
	retryKey string
	// noPushAfterReply: a rejected reply token is taken as used by an
	// earlier answer, and no push follows.
	noPushAfterReply bool
}

// send delivers msgs as a reply, or as a push to `to` when the reply token
// is rejected (expired, or already used by a redelivered event). It never
// sends the same messages twice: after an attempt whose outcome is unknown
// it does not fall back to a push.
func (a *api) send(ctx context.Context, replyToken, to string, msgs []messaging_api.MessageInterface, opts sendOptions) (sent, error) {
	var s sent
	if replyToken != "" {
		r := a.call(ctx, func(c *messaging_api.MessagingApiAPI) (*http.Response, error) {
			res, _, err := c.ReplyMessageWithHttpInfo(&messaging_api.ReplyMessageRequest{ReplyToken: replyToken, Messages: msgs})
			return res, err
		})
		s.attempts += r.attempts
		switch {
		case r.err == nil:
			s.via = "reply"
			return s, nil
		case !r.tokenRejected():
			s.maybeDelivered = r.ambiguous
			return s, fmt.Errorf("reply: %w", r.err)
		case r.ambiguous:
			s.maybeDelivered = true
			return s, fmt.Errorf("reply token rejected after an attempt whose outcome is unknown; not pushing, so as never to answer twice: %w", r.err)
		case opts.noPushAfterReply:
			s.via = "reply"
			return s, nil // the token was used: by the answer sent before the stop
		}
	}
	if to == "" {
		return s, errors.New("no reply token and nobody to push to")
	}
	// One key for every try of this push, across restarts: LINE accepts
	// it once and answers 409 to a repeat.
	key := opts.retryKey
	if key == "" {
		key = uuid.NewString()
	}
	r := a.call(ctx, func(c *messaging_api.MessagingApiAPI) (*http.Response, error) {
		res, _, err := c.PushMessageWithHttpInfo(&messaging_api.PushMessageRequest{To: to, Messages: msgs}, key)
		return res, err
	})
	s.attempts += r.attempts
	if r.err != nil && r.status != http.StatusConflict {
		return s, fmt.Errorf("push: %w", r.err)
	}
	s.via = "push"
	return s, nil
}

// loading shows the loading animation in a one-on-one chat. It is only a
// courtesy: one try, no retries.
func (a *api) loading(ctx context.Context, userID string) error {
	res, _, err := a.client(ctx).ShowLoadingAnimationWithHttpInfo(&messaging_api.ShowLoadingAnimationRequest{ChatId: userID, LoadingSeconds: loadingSeconds})
	if res != nil && res.StatusCode/100 == 2 {
		return nil
	}
	if res != nil {
		return fmt.Errorf("LINE answered %d: %s", res.StatusCode, lineMessage(res))
	}
	return err
}

// result is the outcome of a call with retries.
type result struct {
	status  int    // the last HTTP status; 0 when LINE did not answer
	message string // LINE's error message, if any
	// ambiguous: some attempt may have been carried out by LINE without
	// us knowing (a 5xx, a lost connection).
	ambiguous bool
	attempts  int
	err       error
}

// tokenRejected reports whether LINE refused the reply token (expired or
// already used).
func (r result) tokenRejected() bool {
	return r.status == http.StatusBadRequest && strings.Contains(strings.ToLower(r.message), "reply token")
}

// call runs do until it succeeds, fails for good, or the retries run out.
func (a *api) call(ctx context.Context, do func(*messaging_api.MessagingApiAPI) (*http.Response, error)) result {
	var r result
	for attempt := 1; ; attempt++ {
		res, err := do(a.client(ctx))
		r.attempts = attempt
		r.status = 0
		if res != nil {
			r.status = res.StatusCode
		}
		var wait time.Duration
		switch {
		case r.status/100 == 2:
			r.err = nil
			return r
		case r.status == 0:
			if ctx.Err() != nil {
				r.err = ctx.Err()
				return r
			}
			r.ambiguous = true
			r.err = err
		case r.status == http.StatusTooManyRequests:
			wait = retryAfter(res, a.retry.max)
			r.message = lineMessage(res)
			r.err = fmt.Errorf("LINE answered 429: %s", r.message)
		case r.status >= 500:
			r.ambiguous = true
			r.message = lineMessage(res)
			r.err = fmt.Errorf("LINE answered %d: %s", r.status, r.message)
		default:
			r.message = lineMessage(res)
			r.err = fmt.Errorf("LINE answered %d: %s", r.status, r.message)
			return r
		}
		if attempt >= a.retry.attempts {
			r.err = fmt.Errorf("gave up after %d attempts: %w", attempt, r.err)
			return r
		}
		if wait == 0 {
			wait = a.retry.backoff(attempt)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			r.err = fmt.Errorf("%w (last: %w)", ctx.Err(), r.err)
			return r
		case <-t.C:
		}
	}
}

// backoff is the wait before retry n (from 1): doubling, with jitter.
func (p retryPolicy) backoff(n int) time.Duration {
	d := p.base << (n - 1)
	if d > p.max || d <= 0 {
		d = p.max
	}
	return d/2 + rand.N(d/2+1)
}

// retryAfter reads a Retry-After header in seconds, capped at max.
func retryAfter(res *http.Response, max time.Duration) time.Duration {
	s, err := strconv.Atoi(res.Header.Get("Retry-After"))
	if err != nil || s <= 0 {
		return 0
	}
	return min(time.Duration(s)*time.Second, max)
}

// lineMessage is the "message" of a LINE error body, cut short. It names
// what was wrong with a request, never what a user wrote.
func lineMessage(res *http.Response) string {
	if res == nil || res.Body == nil {
		return ""
	}
	b, _ := io.ReadAll(io.LimitReader(res.Body, 8<<10))
	var e struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(b, &e) != nil || e.Message == "" {
		return http.StatusText(res.StatusCode)
	}
	if r := []rune(e.Message); len(r) > 200 {
		return string(r[:200]) + "…"
	}
	return e.Message
}
