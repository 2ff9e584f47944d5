package slack

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	slackgo "github.com/slack-go/slack"

	"alsbot/adapters/handoff"
)

// A handed-over patient's case is a message in the cases channel
// (ALSBOT_HANDOFF_CHANNEL), with Take and Close buttons; its thread is
// the conversation with the patient.
const (
	actionCaseTake  = "als_case_take"
	actionCaseClose = "als_case_close"
	blockCase       = "als_case"
)

// Cases is the handoff desk as the adapter sees it: a staff member's
// message in a case's thread, and the case buttons.
type Cases interface {
	// StaffReplied relays a staff message (message: its timestamp) in a
	// thread to the patient; false when the thread is no open case.
	StaffReplied(ctx context.Context, thread, message, text string) (bool, error)
	Take(ctx context.Context, thread, staff string) error
	CloseThread(ctx context.Context, thread, staff string) error
}

// handleCase routes a thread message or a case button to the desk.
// Threads of other channels, and of messages that are no case, are left
// alone: the bot answers in channels only when mentioned.
func (a *Adapter) handleCase(ctx context.Context, in incoming) {
	if a.cfg.Cases == nil || in.channel != a.cfg.CasesChannel {
		return
	}
	var err error
	switch {
	case in.source == fromThread:
		var ok bool
		ok, err = a.cfg.Cases.StaffReplied(ctx, in.threadTS, in.ts, in.text)
		if !ok && err == nil {
			return
		}
	case in.caseAction == actionCaseTake:
		err = a.cfg.Cases.Take(ctx, in.threadTS, in.user)
	case in.caseAction == actionCaseClose:
		err = a.cfg.Cases.CloseThread(ctx, in.threadTS, in.user)
	}
	if err != nil {
		a.log.Error("slack: a case message was not handled", "event_id", in.eventID, "source", string(in.source), "err", err)
		return
	}
	a.log.Info("slack: case message handled", "event_id", in.eventID, "source", string(in.source), "action", in.caseAction)
}

// CaseChannel is the staff's side of the handoff: cases posted to one
// Slack channel, and the bot's notes in their threads.
type CaseChannel struct {
	api     poster
	channel string
}

var _ handoff.Staff = (*CaseChannel)(nil)

// NewCaseChannel returns the cases channel of the app whose bot token is
// in cfg (cfg.APIBase as for the adapter).
func NewCaseChannel(cfg Config, channel string) (*CaseChannel, error) {
	if channel == "" {
		return nil, errors.New("slack: no cases channel (ALSBOT_HANDOFF_CHANNEL)")
	}
	if cfg.BotToken == "" {
		return nil, errors.New("slack: SLACK_BOT_TOKEN is not set: cases cannot be posted")
	}
	hc := cfg.httpClient
	if hc == nil {
		hc = &http.Client{Timeout: httpTimeout}
	}
	opts := []slackgo.Option{slackgo.OptionHTTPClient(hc), slackgo.OptionRetry(2)}
	if cfg.APIBase != "" {
		opts = append(opts, slackgo.OptionAPIURL(strings.TrimSuffix(cfg.APIBase, "/")+"/"))
	}
	return &CaseChannel{api: slackgo.New(cfg.BotToken, opts...), channel: channel}, nil
}

// Open posts a case: its number, the patient's pseudonym (never the LINE
// user id), the language, what the patient agreed to share, and the
// buttons.
func (s *CaseChannel) Open(ctx context.Context, c handoff.Case, shared []handoff.Exchange) (string, error) {
	title := fmt.Sprintf("相談 #%d / Case %d", c.ID, c.ID)
	var conv strings.Builder
	for _, e := range shared {
		fmt.Fprintf(&conv, "*患者さん:* %s\n*ボット:* %s\n\n", escape(clip(e.Question, 500)), escape(clip(e.Reply, 300)))
	}
	if conv.Len() == 0 {
		conv.WriteString("_（共有されたやりとりはありません / nothing shared）_")
	}
	id := strconv.FormatInt(c.ID, 10)
	blocks := []slackgo.Block{
		slackgo.NewHeaderBlock(slackgo.NewTextBlockObject(slackgo.PlainTextType, title, false, false)),
		slackgo.NewSectionBlock(nil, []*slackgo.TextBlockObject{
			slackgo.NewTextBlockObject(slackgo.MarkdownType, "*患者 / Patient:* "+c.Pseudonym, false, false),
			slackgo.NewTextBlockObject(slackgo.MarkdownType, "*言語 / Language:* "+c.Lang, false, false),
			slackgo.NewTextBlockObject(slackgo.MarkdownType, "*受付 / Opened:* "+c.Opened.In(jst).Format("2006-01-02 15:04")+" JST", false, false),
		}, nil),
		slackgo.NewSectionBlock(slackgo.NewTextBlockObject(slackgo.MarkdownType, clip(conv.String(), 2900), false, false), nil, nil),
		slackgo.NewContextBlock("", slackgo.NewTextBlockObject(slackgo.MarkdownType,
			"このスレッドに書いたことは、患者さんの LINE にクリニックのスタッフからとして届きます。 / What you write in this thread reaches the patient on LINE, from the clinic's staff.", false, false)),
		slackgo.NewActionBlock(blockCase,
			slackgo.NewButtonBlockElement(actionCaseTake, id, slackgo.NewTextBlockObject(slackgo.PlainTextType, "担当する / Take", false, false)).WithStyle(slackgo.StylePrimary),
			slackgo.NewButtonBlockElement(actionCaseClose, id, slackgo.NewTextBlockObject(slackgo.PlainTextType, "終了 / Close", false, false)).WithStyle(slackgo.StyleDanger),
		),
	}
	_, ts, err := s.api.PostMessageContext(ctx, s.channel, slackgo.MsgOptionText(title+" — "+c.Pseudonym, false), slackgo.MsgOptionBlocks(blocks...),
		slackgo.MsgOptionDisableLinkUnfurl(), slackgo.MsgOptionDisableMediaUnfurl())
	if err != nil {
		return "", fmt.Errorf("slack: posting case %d: %w", c.ID, err)
	}
	return ts, nil
}

// Post writes in the case's thread: the bot's note as it is, the
// patient's words escaped (no mention or link of theirs works); an urgent
// post is sent to the channel too.
func (s *CaseChannel) Post(ctx context.Context, c handoff.Case, m handoff.Message) error {
	var parts []string
	if m.Note != "" {
		parts = append(parts, m.Note)
	}
	if m.Patient != "" {
		parts = append(parts, "*患者さん / Patient:* "+escape(m.Patient))
	}
	opts := []slackgo.MsgOption{slackgo.MsgOptionText(strings.Join(parts, "\n"), false), slackgo.MsgOptionTS(c.Thread), slackgo.MsgOptionDisableLinkUnfurl()}
	if m.Urgent {
		opts = append(opts, slackgo.MsgOptionBroadcast())
	}
	if _, _, err := s.api.PostMessageContext(ctx, s.channel, opts...); err != nil {
		return fmt.Errorf("slack: posting in case %d: %w", c.ID, err)
	}
	return nil
}

// Remind raises an unanswered case in the channel again.
func (s *CaseChannel) Remind(ctx context.Context, c handoff.Case, waiting time.Duration) error {
	text := fmt.Sprintf(":hourglass: 相談 #%d は %d 分、スタッフの返事を待っています。 / Case %d has waited %d minutes for a reply.", c.ID, int(waiting.Minutes()), c.ID, int(waiting.Minutes()))
	_, _, err := s.api.PostMessageContext(ctx, s.channel, slackgo.MsgOptionText(text, false), slackgo.MsgOptionTS(c.Thread), slackgo.MsgOptionBroadcast())
	return err
}

// Closed marks the case closed in its thread.
func (s *CaseChannel) Closed(ctx context.Context, c handoff.Case, by string) error {
	who := "患者さん / the patient"
	if by != "patient" {
		who = "<@" + by + ">"
	}
	text := fmt.Sprintf(":white_check_mark: 相談 #%d を終了しました（%s）。患者さんには伝えてあります。 / Case %d closed by %s; the patient has been told.", c.ID, who, c.ID, who)
	_, _, err := s.api.PostMessageContext(ctx, s.channel, slackgo.MsgOptionText(text, false), slackgo.MsgOptionTS(c.Thread))
	return err
}

// jst is Japan time, for the staff.
var jst = time.FixedZone("JST", 9*60*60)
