package slack

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	slackgo "github.com/slack-go/slack"
)

// readSigned reads a request body of at most maxBody bytes and checks
// Slack's signature and timestamp over it, before anything else looks at
// it. On failure it has answered the request and returns false.
func (a *Adapter) readSigned(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	if r.Method != http.MethodPost {
		a.obs.Rejected(channelName, reasonMethod)
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return nil, false
	}
	if r.ContentLength > maxBody {
		a.obs.Rejected(channelName, reasonTooLarge)
		http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			a.obs.Rejected(channelName, reasonTooLarge)
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return nil, false
		}
		a.obs.Rejected(channelName, reasonBadBody)
		http.Error(w, "unreadable body", http.StatusBadRequest)
		return nil, false
	}
	if err := verify(r.Header, body, a.cfg.SigningSecret); err != nil {
		reason := reasonSignature
		if errors.Is(err, slackgo.ErrExpiredTimestamp) {
			reason = reasonStale
		}
		a.obs.Rejected(channelName, reason)
		a.log.Warn("slack: request refused", "path", r.URL.Path, "reason", reason)
		http.Error(w, "invalid signature", http.StatusUnauthorized)
		return nil, false
	}
	if !a.started.Load() {
		// Served before Start: the bot's own id is not known yet, so its
		// own messages could not be told apart. Slack will retry.
		a.obs.Rejected(channelName, reasonOverloaded)
		http.Error(w, "starting", http.StatusServiceUnavailable)
		return nil, false
	}
	return body, true
}

// verify checks Slack's v0 signature of body and that its timestamp is
// within five minutes.
func verify(h http.Header, body []byte, secret string) error {
	sv, err := slackgo.NewSecretsVerifier(h, secret)
	if err != nil {
		return err
	}
	if _, err := sv.Write(body); err != nil {
		return err
	}
	return sv.Ensure()
}

// serveEvents serves /slack/events: URL verification, mentions and
// direct messages.
func (a *Adapter) serveEvents(w http.ResponseWriter, r *http.Request) {
	received := time.Now()
	body, ok := a.readSigned(w, r)
	if !ok {
		return
	}
	ev, err := parseEvent(body, a.botUser)
	if err != nil {
		a.obs.Rejected(channelName, reasonBadBody)
		a.log.Warn("slack: event not understood", "err", err)
		http.Error(w, "bad event", http.StatusBadRequest)
		return
	}
	switch {
	case ev.challenge != "":
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, ev.challenge)
		return
	case ev.in == nil:
		w.WriteHeader(http.StatusOK) // not for the bot: acknowledged, ignored
		return
	}
	ev.in.received = received
	ev.in.retry, _ = strconv.Atoi(r.Header.Get("X-Slack-Retry-Num"))
	if a.accept(*ev.in) == overloaded {
		// Slack retries a refused event later; it is not yet claimed.
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// serveCommands serves /slack/commands: /als with or without a question.
func (a *Adapter) serveCommands(w http.ResponseWriter, r *http.Request) {
	received := time.Now()
	body, ok := a.readSigned(w, r)
	if !ok {
		return
	}
	form := r.Clone(r.Context())
	form.Body = io.NopCloser(bytes.NewReader(body))
	form.Form, form.PostForm = nil, nil
	cmd, err := slackgo.SlashCommandParse(form)
	in, ok := fromSlashCommand(cmd)
	if err != nil || !ok {
		a.obs.Rejected(channelName, reasonBadBody)
		http.Error(w, "bad command", http.StatusBadRequest)
		return
	}
	in.received = received
	if a.accept(in) == overloaded {
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusOK) // the answer follows through the response URL
}

// serveInteractions serves /slack/interactions: clicks on suggested
// questions.
func (a *Adapter) serveInteractions(w http.ResponseWriter, r *http.Request) {
	received := time.Now()
	body, ok := a.readSigned(w, r)
	if !ok {
		return
	}
	vals, err := url.ParseQuery(string(body))
	var cb slackgo.InteractionCallback
	if err == nil {
		err = json.Unmarshal([]byte(vals.Get("payload")), &cb)
	}
	if err != nil {
		a.obs.Rejected(channelName, reasonBadBody)
		http.Error(w, "bad payload", http.StatusBadRequest)
		return
	}
	in, ok := fromInteraction(cb)
	if !ok {
		w.WriteHeader(http.StatusOK)
		return
	}
	in.received = received
	if a.accept(in) == overloaded {
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusOK)
}
