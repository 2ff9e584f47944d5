package line

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

	"alsbot/adapters/textsplit"
)

// Pusher sends text to a LINE user who has not just written: the clinic
// staff's replies in a handoff. Every try of one message carries the same
// retry key, so that LINE delivers it once.
type Pusher struct{ api *api }

// NewPusher returns a pusher for the channel of cfg (its token and API
// address).
func NewPusher(cfg Config) (*Pusher, error) {
	if cfg.ChannelToken == "" {
		return nil, errors.New("line: LINE_CHANNEL_ACCESS_TOKEN is not set: nothing can be pushed")
	}
	base := cfg.APIBase
	if base == "" {
		base = DefaultAPIBase
	}
	hc := cfg.httpClient
	if hc == nil {
		hc = &http.Client{Timeout: 15 * time.Second}
	}
	retry := cfg.retry
	if retry == (retryPolicy{}) {
		retry = defaultRetry
	}
	return &Pusher{api: &api{token: cfg.ChannelToken, base: base, hc: hc, retry: retry}}, nil
}

// Push sends text to user, split into LINE-sized messages, with key as
// the retry key of the push.
func (p *Pusher) Push(ctx context.Context, user, text, key string) error {
	var msgs []messaging_api.MessageInterface
	for _, part := range textsplit.Split(text, maxTextUnits, textsplit.UTF16) {
		if len(msgs) < maxMessages {
			msgs = append(msgs, &messaging_api.TextMessage{Text: part})
		}
	}
	_, err := p.api.send(ctx, "", user, msgs, sendOptions{retryKey: key})
	return err
}
