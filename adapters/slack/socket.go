package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	slackgo "github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// Reconnection backoff when slack-go's client gives up for a reason other
// than a refused token (slack-go already retries network errors itself).
const (
	firstRetry = time.Second
	lastRetry  = time.Minute
)

// runSocket connects with Socket Mode and keeps the connection up until
// ctx ends or a token is refused.
func (a *Adapter) runSocket(ctx context.Context) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	go func() {
		select {
		case err := <-a.fatal:
			cancel(err)
		case <-ctx.Done():
		}
	}()
	events := make(chan struct{})
	go func() {
		defer close(events)
		a.socketEvents(ctx)
	}()
	defer func() {
		cancel(nil)
		<-events
		a.ready.Store(false)
	}()

	wait := firstRetry
	for {
		err := a.sm.RunContext(ctx)
		a.ready.Store(false)
		if ctx.Err() != nil {
			return stopCause(ctx)
		}
		if isAuthError(err) {
			return fmt.Errorf("slack: Socket Mode: Slack refused SLACK_APP_TOKEN (%v): %w; check the app-level token (scope connections:write) on the app's Basic Information page", err, ErrAuth)
		}
		var sc slackgo.StatusCodeError
		if errors.As(err, &sc) && sc.Code == http.StatusNotFound {
			return fmt.Errorf("slack: Socket Mode: apps.connections.open was not found (%v): %w; check SLACK_API_BASE and SLACK_APP_TOKEN", err, ErrAuth)
		}
		a.log.Warn("slack: Socket Mode stopped; reconnecting", "err", err, "after", wait.String())
		select {
		case <-ctx.Done():
			return stopCause(ctx)
		case <-time.After(wait):
		}
		wait = min(2*wait, lastRetry)
	}
}

// stopCause is what Run returns once its context has ended: the refused
// token that ended it, or nil when the caller did.
func stopCause(ctx context.Context) error {
	if cause := context.Cause(ctx); errors.Is(cause, ErrAuth) {
		return cause
	}
	return nil
}

// socketEvents reads the Socket Mode client's events until ctx ends. The
// client blocks until each is read, so this never waits on the bot: it
// acknowledges envelopes and queues their messages.
func (a *Adapter) socketEvents(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case evt := <-a.sm.Events:
			a.socketEvent(ctx, evt)
		}
	}
}

// socketEvent handles one event of the Socket Mode client.
func (a *Adapter) socketEvent(ctx context.Context, evt socketmode.Event) {
	switch evt.Type {
	case socketmode.EventTypeConnecting:
		if ce, ok := evt.Data.(*slackgo.ConnectingEvent); ok {
			a.log.Debug("slack: connecting", "attempt", ce.Attempt, "connections", ce.ConnectionCount)
		}
	case socketmode.EventTypeConnected:
		a.ready.Store(true)
		if ce, ok := evt.Data.(*socketmode.ConnectedEvent); ok {
			a.log.Info("slack: Socket Mode connected", "connections", ce.ConnectionCount)
		}
	case socketmode.EventTypeConnectionError:
		a.ready.Store(false)
		ce, ok := evt.Data.(*slackgo.ConnectionErrorEvent)
		if !ok {
			return
		}
		if isAuthError(ce.ErrorObj) {
			// slack-go would keep retrying some refusals (a bot token
			// given as the app token): stop instead.
			a.failed(fmt.Errorf("slack: Socket Mode: Slack refused SLACK_APP_TOKEN (%v): %w; check the app-level token (xapp-…, scope connections:write)", ce.ErrorObj, ErrAuth))
			return
		}
		a.log.Warn("slack: Socket Mode connection failed; retrying", "attempt", ce.Attempt, "backoff", ce.Backoff.String(), "err", ce.ErrorObj)
	case socketmode.EventTypeInvalidAuth:
		a.ready.Store(false)
		a.log.Error("slack: Socket Mode refused the app token")
	case socketmode.EventTypeIncomingError:
		a.ready.Store(false)
		if ie, ok := evt.Data.(*slackgo.IncomingEventError); ok {
			a.log.Warn("slack: Socket Mode connection lost; reconnecting", "err", ie.ErrorObj)
		}
	case socketmode.EventTypeErrorWriteFailed:
		if we, ok := evt.Data.(*socketmode.ErrorWriteFailed); ok {
			a.log.Warn("slack: acknowledgement not sent; Slack will deliver again", "err", we.Cause)
		}
	case socketmode.EventTypeErrorBadMessage:
		a.badEnvelope(ctx, evt)
	case socketmode.EventTypeEventsAPI:
		ev, ok := evt.Data.(slackevents.EventsAPIEvent)
		var in *incoming
		if ok {
			e, err := fromEventsAPI(ev, a.botUser)
			if err != nil {
				a.obs.Rejected(channelName, reasonBadBody)
				a.log.Warn("slack: event not understood", "err", err)
			}
			in = e.in
		}
		a.ackEnvelope(ctx, evt.Request, in)
	case socketmode.EventTypeSlashCommand:
		var in *incoming
		if cmd, ok := evt.Data.(slackgo.SlashCommand); ok {
			if c, ok := fromSlashCommand(cmd); ok {
				in = &c
			} else {
				a.obs.Rejected(channelName, reasonBadBody)
			}
		}
		a.ackEnvelope(ctx, evt.Request, in)
	case socketmode.EventTypeInteractive:
		var in *incoming
		if cb, ok := evt.Data.(slackgo.InteractionCallback); ok {
			if c, ok := fromInteraction(cb); ok {
				in = &c
			}
		}
		a.ackEnvelope(ctx, evt.Request, in)
	}
}

// ackEnvelope queues in, if any, and acknowledges the envelope. A message
// refused because the queue is full is not acknowledged, so that Slack
// delivers it again later; it was not claimed, so it will be answered.
func (a *Adapter) ackEnvelope(ctx context.Context, req *socketmode.Request, in *incoming) {
	if req == nil || req.EnvelopeID == "" {
		return // hello and disconnect carry nothing to acknowledge
	}
	if in != nil {
		in.received = time.Now()
		in.retry = req.RetryAttempt
		if a.accept(*in) == overloaded {
			return
		}
	}
	if err := a.sm.AckCtx(ctx, req.EnvelopeID, nil); err != nil {
		a.log.Warn("slack: acknowledgement not sent", "err", err)
	}
}

// badEnvelope handles an envelope slack-go could not parse: an event with
// a block slack-go's strict decoder refused is read leniently; anything
// else is acknowledged and dropped, as no redelivery would read better.
func (a *Adapter) badEnvelope(ctx context.Context, evt socketmode.Event) {
	bad, ok := evt.Data.(*socketmode.ErrorBadMessage)
	if !ok {
		return
	}
	var req socketmode.Request
	if err := json.Unmarshal(bad.Message, &req); err != nil || req.EnvelopeID == "" {
		a.obs.Rejected(channelName, reasonBadBody)
		a.log.Warn("slack: unreadable Socket Mode message", "err", bad.Cause)
		return
	}
	var in *incoming
	if req.Type == socketmode.RequestTypeEventsAPI {
		if e, err := parseEventLeniently(req.Payload, a.botUser, bad.Cause); err == nil {
			in = e.in
		} else {
			a.obs.Rejected(channelName, reasonBadBody)
			a.log.Warn("slack: event not understood", "err", err)
		}
	} else {
		a.obs.Rejected(channelName, reasonBadBody)
		a.log.Warn("slack: Socket Mode message not understood", "type", req.Type, "err", bad.Cause)
	}
	a.ackEnvelope(ctx, &req, in)
}
