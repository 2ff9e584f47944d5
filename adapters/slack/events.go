package slack

import (
	"encoding/json"
	"errors"
	"net/url"
	"strings"

	slackgo "github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
)

// event is what an Events API payload asks of the adapter: echo a
// challenge, answer a message (in), or nothing.
type event struct {
	challenge string
	in        *incoming
}

// parseEvent reads an Events API payload (an HTTP body). slack-go's parser
// rejects a whole event when one block in it is malformed, so a callback
// it refuses is read again with only the fields the adapter needs.
func parseEvent(body []byte, botUser string) (event, error) {
	ev, err := slackevents.ParseEvent(json.RawMessage(body), slackevents.OptionNoVerifyToken())
	if err != nil {
		return parseEventLeniently(body, botUser, err)
	}
	return fromEventsAPI(ev, botUser)
}

// fromEventsAPI reads an event slack-go has parsed, from either mode.
func fromEventsAPI(ev slackevents.EventsAPIEvent, botUser string) (event, error) {
	switch ev.Type {
	case slackevents.URLVerification:
		uv, ok := ev.Data.(*slackevents.EventsAPIURLVerificationEvent)
		if !ok || uv.Challenge == "" {
			return event{}, errors.New("url_verification without a challenge")
		}
		return event{challenge: uv.Challenge}, nil
	case slackevents.CallbackEvent:
		cb, ok := ev.Data.(*slackevents.EventsAPICallbackEvent)
		if !ok {
			return event{}, errors.New("event_callback without its envelope")
		}
		var in *incoming
		switch inner := ev.InnerEvent.Data.(type) {
		case *slackevents.AppMentionEvent:
			in = fromMentionEvent(fields{
				user: inner.User, botID: inner.BotID, text: inner.Text, ts: inner.TimeStamp,
				threadTS: inner.ThreadTimeStamp, channel: inner.Channel, edited: inner.Edited != nil,
			}, botUser)
		case *slackevents.MessageEvent:
			in = fromMessageEvent(fields{
				user: inner.User, botID: inner.BotID, text: inner.Text, ts: inner.TimeStamp,
				threadTS: inner.ThreadTimeStamp, channel: inner.Channel, channelType: inner.ChannelType,
				subtype: inner.SubType, files: inner.Message != nil && len(inner.Message.Files) > 0,
			}, botUser)
		}
		if in != nil {
			in.eventID = cb.EventID
		}
		return event{in: in}, nil
	}
	return event{}, nil // app_rate_limited and the like: nothing to answer
}

// fields are the parts of a message event the adapter reads.
type fields struct {
	user, botID, text, ts, threadTS, channel, channelType, subtype string
	edited, files                                                  bool
}

// fromMentionEvent turns an app_mention into a question, answered in the
// mention's thread (a new one under the mention if it was not in one).
// Mentions by bots, by the bot itself, and edits are not answered.
func fromMentionEvent(f fields, botUser string) *incoming {
	if f.edited || f.subtype != "" || f.botID != "" || f.user == "" || f.user == botUser || f.channel == "" || f.ts == "" {
		return nil
	}
	thread := f.threadTS
	if thread == "" {
		thread = f.ts
	}
	text := plainText(f.text, botUser)
	return &incoming{
		source: fromMention, channel: f.channel, user: f.user, text: text,
		ts: f.ts, threadTS: thread, menu: text == "",
	}
}

// fromMessageEvent turns a direct message into a question, answered in
// the DM (in its thread if it was in one). Messages from bots and the bot
// itself, and subtypes (edits, deletions, joins…) are not answered, except
// a file shared with a question, which is a person writing.
func fromMessageEvent(f fields, botUser string) *incoming {
	if f.botID != "" || f.user == "" || f.user == botUser || f.channel == "" || f.ts == "" {
		return nil
	}
	if f.channelType != slackevents.ChannelTypeIM {
		// In a channel, only a person's reply in a thread matters: it
		// may answer a handed-over patient (see handleCase).
		if f.threadTS == "" || f.threadTS == f.ts || f.subtype != "" || f.edited {
			return nil
		}
		return &incoming{source: fromThread, channel: f.channel, user: f.user, text: plainText(f.text, botUser), ts: f.ts, threadTS: f.threadTS}
	}
	if f.subtype != "" && f.subtype != "file_share" {
		return nil
	}
	text := plainText(f.text, botUser)
	in := &incoming{source: fromDM, channel: f.channel, user: f.user, text: text, ts: f.ts, threadTS: f.threadTS}
	if text == "" {
		in.textOnly = f.files
		in.menu = !f.files
	}
	return in
}

// lenientCallback is the part of an event_callback the adapter needs,
// read without slack-go's strict decoding of blocks and attachments.
type lenientCallback struct {
	Type    string `json:"type"`
	EventID string `json:"event_id"`
	Event   *struct {
		Type        string            `json:"type"`
		User        string            `json:"user"`
		BotID       string            `json:"bot_id"`
		Text        string            `json:"text"`
		TS          string            `json:"ts"`
		ThreadTS    string            `json:"thread_ts"`
		Channel     string            `json:"channel"`
		ChannelType string            `json:"channel_type"`
		SubType     string            `json:"subtype"`
		Edited      *struct{}         `json:"edited"`
		Files       []json.RawMessage `json:"files"`
	} `json:"event"`
}

// parseEventLeniently reads an event_callback slack-go refused; anything
// else keeps slack-go's error.
func parseEventLeniently(body []byte, botUser string, cause error) (event, error) {
	var cb lenientCallback
	if err := json.Unmarshal(body, &cb); err != nil || cb.Type != slackevents.CallbackEvent || cb.Event == nil {
		return event{}, cause
	}
	e := cb.Event
	f := fields{
		user: e.User, botID: e.BotID, text: e.Text, ts: e.TS, threadTS: e.ThreadTS,
		channel: e.Channel, channelType: e.ChannelType, subtype: e.SubType,
		edited: e.Edited != nil, files: len(e.Files) > 0,
	}
	var in *incoming
	switch slackevents.EventsAPIType(e.Type) {
	case slackevents.AppMention:
		in = fromMentionEvent(f, botUser)
	case slackevents.Message:
		in = fromMessageEvent(f, botUser)
	}
	if in != nil {
		in.eventID = cb.EventID
	}
	return event{in: in}, nil
}

// fromSlashCommand turns /als into a question answered privately through
// the command's response URL; /als alone asks for the topic menu.
func fromSlashCommand(cmd slackgo.SlashCommand) (incoming, bool) {
	if !webURL(cmd.ResponseURL) {
		return incoming{}, false
	}
	text := plainText(cmd.Text, "")
	return incoming{
		source: fromCommand, channel: cmd.ChannelID, user: cmd.UserID, text: text,
		responseURL: cmd.ResponseURL, key: cmd.TriggerID, menu: text == "",
	}, true
}

// fromInteraction turns a click on one of the adapter's buttons into a
// question for that entry, answered in the thread of the message that
// held the button (privately, if that message was private).
func fromInteraction(cb slackgo.InteractionCallback) (incoming, bool) {
	if cb.Type != slackgo.InteractionTypeBlockActions {
		return incoming{}, false
	}
	for _, act := range cb.ActionCallback.BlockActions {
		if act != nil && (act.ActionID == actionCaseTake || act.ActionID == actionCaseClose) {
			thread := cb.Container.MessageTs
			if thread == "" {
				thread = cb.Message.Timestamp
			}
			channel := cb.Channel.ID
			if channel == "" {
				channel = cb.Container.ChannelID
			}
			if thread == "" || channel == "" {
				return incoming{}, false
			}
			return incoming{source: fromCaseButton, caseAction: act.ActionID, channel: channel, threadTS: thread, user: cb.User.ID, key: cb.TriggerID}, true
		}
		if act == nil || !strings.HasPrefix(act.ActionID, actionEntryPrefix) || act.Value == "" {
			continue
		}
		in := incoming{
			source: fromAction, entry: act.Value, user: cb.User.ID, key: cb.TriggerID,
			lang: replyLang(strings.TrimPrefix(act.BlockID, blockPickPrefix)),
		}
		in.channel = cb.Channel.ID
		if in.channel == "" {
			in.channel = cb.Container.ChannelID
		}
		if cb.Container.IsEphemeral || in.channel == "" {
			if !webURL(cb.ResponseURL) {
				return incoming{}, false
			}
			in.responseURL = cb.ResponseURL
			return in, true
		}
		in.threadTS = cb.Container.ThreadTs
		if in.threadTS == "" {
			in.threadTS = cb.Message.ThreadTimestamp
		}
		if in.threadTS == "" && !isDM(in.channel) {
			// A top-level message in a channel: start its thread.
			in.threadTS = cb.Container.MessageTs
			if in.threadTS == "" {
				in.threadTS = cb.Message.Timestamp
			}
		}
		return in, true
	}
	return incoming{}, false
}

// replyLang keeps the languages the bot speaks, and drops anything else.
func replyLang(s string) string {
	if s == "en" || s == "ja" {
		return s
	}
	return ""
}

// webURL reports whether s is an http(s) address, as response URLs are.
func webURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}
