// Package slack is the Slack adapter: clinic staff mention the bot in a
// channel, write to it directly, type /als, or click a suggested question,
// and get an answer in the same thread with its sources as links.
//
// It connects in one of two ways. Socket Mode (the default, no public URL
// needed) holds a websocket to Slack with an app-level token. The HTTP
// Events API, chosen when a signing secret is configured, serves
// /slack/events, /slack/commands and /slack/interactions. Both feed the same
// handling code: every incoming message becomes an incoming value that is
// filtered, queued on a bounded pool of workers, de-duplicated, asked of the
// bot and answered with Block Kit.
//
// Blocks the adapter posts use these ids, which button clicks carry back:
//
//   - "als_answer:N": the N-th section of the answer text (mrkdwn);
//   - "als_sources": a context block with the sources as links;
//   - "als_notice": a context block with the disclaimer, when there is one;
//   - "als_pick:LANG": an actions block of follow-up questions or clarifying
//     choices, LANG the language of the reply ("en", "ja"); its buttons have
//     action_id "als_entry:N" (N its position) and value the id of the
//     knowledge-base entry it asks for.
//
// A click on an "als_entry:" button is answered with that entry, in LANG, in
// the thread of the message that held the button.
//
// Logs carry event ids, Slack channel ids, reply kinds, entry and rule ids
// and timings: never the text of a message, never a user id.
package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	slackgo "github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"alsbot/adapters/dedup"
	"alsbot/adapters/workers"
	"alsbot/bot"
)

// channelName is how the adapter names itself to the bot and the observer.
const channelName = "slack"

// Limits and defaults.
const (
	// maxBody is the largest request body the HTTP endpoints read.
	maxBody = 1 << 20
	// dedupTTL is how long event ids and message timestamps are
	// remembered when no store is configured: Slack retries within
	// minutes, so this is comfortably longer.
	dedupTTL = 15 * time.Minute
	// defaultWorkers is the size of the answering pool when none is set.
	defaultWorkers = 4
	// queuePerWorker is how many accepted messages may wait per worker
	// before new ones are refused as overloaded.
	queuePerWorker = 32
	// answerTimeout bounds the work on one message (asking and posting).
	answerTimeout = 30 * time.Second
	// httpTimeout bounds each call to the Slack Web API.
	httpTimeout = 15 * time.Second
)

// Observer is told about requests the adapter refuses and messages it has
// already answered, so a server can count them. channel is always "slack".
type Observer interface {
	// Rejected counts a refused request. reason is one of "signature",
	// "stale", "too-large", "method", "bad-body", "overloaded".
	Rejected(channel, reason string)
	// Duplicate counts a redelivered event that was not answered again.
	Duplicate(channel string)
}

// Reasons passed to Observer.Rejected.
const (
	reasonSignature  = "signature"
	reasonStale      = "stale"
	reasonTooLarge   = "too-large"
	reasonMethod     = "method"
	reasonBadBody    = "bad-body"
	reasonOverloaded = "overloaded"
)

// Config configures an Adapter. BotToken is always required; AppToken is
// required for Socket Mode, SigningSecret selects the HTTP Events API.
type Config struct {
	// BotToken is the bot user OAuth token (xoxb-…), SLACK_BOT_TOKEN.
	BotToken string
	// AppToken is the app-level token (xapp-…, scope connections:write)
	// for Socket Mode, SLACK_APP_TOKEN.
	AppToken string
	// SigningSecret is the app's signing secret, SLACK_SIGNING_SECRET.
	// When set, the adapter serves the HTTP Events API instead of Socket
	// Mode.
	SigningSecret string
	// APIBase replaces https://slack.com/api/ (SLACK_API_BASE), for tests
	// and fakes.
	APIBase string
	// Dedup remembers answered events; an in-memory store keeping keys
	// for 15 minutes when nil.
	Dedup dedup.Store
	// Logger receives the adapter's logs; nothing is logged when nil.
	Logger *slog.Logger
	// Observer counts refused requests and duplicates; may be nil.
	Observer Observer
	// Workers is how many messages are answered at once (4 when 0).
	Workers int
	// Cases, when set, is the handoff desk: staff messages in the
	// threads of CasesChannel (ALSBOT_HANDOFF_CHANNEL) and its case
	// buttons go to it.
	Cases        Cases
	CasesChannel string

	// httpClient replaces the client for the Web API (tests: a short
	// timeout).
	httpClient *http.Client
}

// Mode names how an adapter connects to Slack.
type Mode string

// Connection modes.
const (
	// ModeSocket holds a Socket Mode websocket to Slack.
	ModeSocket Mode = "socket"
	// ModeHTTP serves the HTTP Events API.
	ModeHTTP Mode = "http"
)

// ErrAuth marks errors caused by a token Slack refuses (invalid, revoked,
// or of an inactive account): retrying cannot help.
var ErrAuth = errors.New("slack refused the token")

// Adapter connects one Slack app to the bot. Create it with New, call
// Start, then Run; Close finishes the replies in flight.
type Adapter struct {
	ask      bot.Asker
	cfg      Config
	mode     Mode
	log      *slog.Logger
	obs      Observer
	dedup    dedup.Store
	api      poster
	sm       *socketmode.Client
	apiBase  string
	started  atomic.Bool
	ready    atomic.Bool
	botUser  string // the bot's own user id, from auth.test
	botID    string // the bot's own bot id, from auth.test
	startMu  sync.Mutex
	fatal    chan error // a token refused while answering: Run stops
	workCtx  context.Context
	stopWork context.CancelFunc
	delivery deliveryPolicy

	mu     sync.RWMutex // guards closed
	closed bool
	// pool answers the messages, one conversation's in order.
	pool *workers.Pool[incoming]
}

// poster is the part of the Slack Web API client the adapter calls.
type poster interface {
	AuthTestContext(ctx context.Context) (*slackgo.AuthTestResponse, error)
	PostMessageContext(ctx context.Context, channelID string, options ...slackgo.MsgOption) (string, string, error)
	// Reading a conversation tells whether an answer of unknown outcome
	// was posted.
	GetConversationRepliesContext(ctx context.Context, params *slackgo.GetConversationRepliesParameters) ([]slackgo.Message, bool, string, error)
	GetConversationHistoryContext(ctx context.Context, params *slackgo.GetConversationHistoryParameters) (*slackgo.GetConversationHistoryResponse, error)
}

// New checks cfg and returns an adapter that answers with a. It does not
// contact Slack: Start does.
func New(a bot.Asker, cfg Config) (*Adapter, error) {
	if a == nil {
		return nil, errors.New("slack: no bot to answer with")
	}
	mode, base, err := cfg.check()
	if err != nil {
		return nil, err
	}
	ad := &Adapter{
		ask:      a,
		cfg:      cfg,
		mode:     mode,
		log:      cfg.Logger,
		obs:      cfg.Observer,
		dedup:    cfg.Dedup,
		apiBase:  base,
		fatal:    make(chan error, 1),
		delivery: defaultDelivery,
	}
	if ad.log == nil {
		ad.log = slog.New(slog.DiscardHandler)
	}
	ad.log = ad.log.With("adapter", channelName)
	if ad.obs == nil {
		ad.obs = nopObserver{}
	}
	if ad.dedup == nil {
		ad.dedup = dedup.NewMemory(dedupTTL)
	}
	nWorkers := cfg.Workers
	if nWorkers == 0 {
		nWorkers = defaultWorkers
	}
	hc := cfg.httpClient
	if hc == nil {
		hc = &http.Client{Timeout: httpTimeout}
	}
	opts := []slackgo.Option{
		slackgo.OptionHTTPClient(hc),
		slackgo.OptionRetry(2), // rate limits (429) only
	}
	if base != "" {
		opts = append(opts, slackgo.OptionAPIURL(base))
	}
	if mode == ModeSocket {
		opts = append(opts, slackgo.OptionAppLevelToken(cfg.AppToken))
	}
	api := slackgo.New(cfg.BotToken, opts...)
	ad.api = api
	if mode == ModeSocket {
		ad.sm = socketmode.New(api, socketmode.OptionReadLimit(maxBody))
	}
	ad.workCtx, ad.stopWork = context.WithCancel(context.Background())
	ad.pool = workers.New(nWorkers, nWorkers*queuePerWorker, ad.handle)
	return ad, nil
}

// check reports every problem with the configuration at once, and the
// connection mode and API base it implies.
func (c Config) check() (Mode, string, error) {
	var errs []error
	switch {
	case c.BotToken == "":
		errs = append(errs, errors.New("SLACK_BOT_TOKEN is not set: the bot token (xoxb-…) from the app's OAuth & Permissions page is required"))
	case !strings.HasPrefix(c.BotToken, "xoxb-"):
		errs = append(errs, errors.New("SLACK_BOT_TOKEN is not a bot token: it must start with xoxb-"))
	}
	mode := ModeSocket
	if c.SigningSecret != "" {
		mode = ModeHTTP
		if c.AppToken != "" {
			errs = append(errs, errors.New("both SLACK_SIGNING_SECRET and SLACK_APP_TOKEN are set: unset SLACK_SIGNING_SECRET to use Socket Mode, or SLACK_APP_TOKEN to use the HTTP Events API"))
		}
	} else {
		switch {
		case c.AppToken == "":
			errs = append(errs, errors.New("SLACK_APP_TOKEN is not set: Socket Mode needs an app-level token (xapp-…, scope connections:write); set SLACK_SIGNING_SECRET instead to use the HTTP Events API"))
		case !strings.HasPrefix(c.AppToken, "xapp-"):
			errs = append(errs, errors.New("SLACK_APP_TOKEN is not an app-level token: it must start with xapp-"))
		}
	}
	if c.Workers < 0 {
		errs = append(errs, fmt.Errorf("slack workers: %d is negative", c.Workers))
	}
	base := c.APIBase
	if base != "" {
		u, err := url.Parse(base)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("SLACK_API_BASE %q is not an http(s) URL", base))
		}
		if !strings.HasSuffix(base, "/") {
			base += "/" // slack-go appends method names directly
		}
	}
	if len(errs) > 0 {
		return "", "", fmt.Errorf("slack: configuration: %w", errors.Join(errs...))
	}
	return mode, base, nil
}

// Mode reports how the adapter connects to Slack.
func (a *Adapter) Mode() Mode { return a.mode }

// Start asks Slack who the bot is (auth.test), so that it never answers
// its own messages. It fails with an error wrapping ErrAuth when the bot
// token is refused. Calling it again after success does nothing.
func (a *Adapter) Start(ctx context.Context) error {
	a.startMu.Lock()
	defer a.startMu.Unlock()
	if a.started.Load() {
		return nil
	}
	res, err := a.api.AuthTestContext(ctx)
	if err != nil {
		if isAuthError(err) {
			return fmt.Errorf("slack: auth.test refused SLACK_BOT_TOKEN (%v): %w; check the token on the app's OAuth & Permissions page and reinstall the app if it was revoked", err, ErrAuth)
		}
		return fmt.Errorf("slack: auth.test: %w", err)
	}
	if res.UserID == "" {
		return errors.New("slack: auth.test returned no user id for the bot token")
	}
	a.botUser, a.botID = res.UserID, res.BotID
	a.started.Store(true)
	if a.mode == ModeHTTP {
		a.ready.Store(true)
	}
	a.log.Info("slack: started", "mode", string(a.mode), "team", res.TeamID, "bot_user", res.UserID)
	return nil
}

// Run serves until ctx ends, then returns nil. In Socket Mode it connects
// and keeps the connection up, reconnecting with backoff after network
// loss; in HTTP mode the server serves Routes and Run only waits. Either
// way it stops early with an error wrapping ErrAuth when Slack refuses a
// token. Run calls Start if it has not been called.
func (a *Adapter) Run(ctx context.Context) error {
	if err := a.Start(ctx); err != nil {
		return err
	}
	if a.mode == ModeSocket {
		return a.runSocket(ctx)
	}
	select {
	case <-ctx.Done():
		return nil
	case err := <-a.fatal:
		a.ready.Store(false)
		return err
	}
}

// Routes returns the HTTP handlers by path in HTTP mode, and an empty map
// in Socket Mode.
func (a *Adapter) Routes() map[string]http.Handler {
	if a.mode != ModeHTTP {
		return map[string]http.Handler{}
	}
	return map[string]http.Handler{
		"/slack/events":       http.HandlerFunc(a.serveEvents),
		"/slack/commands":     http.HandlerFunc(a.serveCommands),
		"/slack/interactions": http.HandlerFunc(a.serveInteractions),
	}
}

// Ready reports whether the adapter can take messages: connected in
// Socket Mode, started in HTTP mode, and not closed.
func (a *Adapter) Ready() bool {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return !a.closed && a.ready.Load()
}

// Close stops taking messages and waits until those already accepted are
// answered, or ctx ends (then the remaining work is abandoned and ctx's
// error returned). Call it after Run has returned or while the server
// shuts down.
func (a *Adapter) Close(ctx context.Context) error {
	a.mu.Lock()
	a.closed = true
	a.mu.Unlock()
	finished := a.pool.Close(ctx)
	a.stopWork()
	if !finished {
		return fmt.Errorf("slack: close: replies still in flight: %w", ctx.Err())
	}
	return nil
}

// failed reports a token refused while answering, so Run can stop.
func (a *Adapter) failed(err error) {
	select {
	case a.fatal <- err:
	default:
	}
}

// isAuthError reports whether err is Slack refusing a token, which no
// retry can fix.
func isAuthError(err error) bool {
	var code string
	var se slackgo.SlackErrorResponse
	if errors.As(err, &se) {
		code = se.Err
	} else if err != nil {
		code = err.Error()
	}
	switch code {
	case "invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive", "not_allowed_token_type":
		return true
	}
	return false
}

type nopObserver struct{}

func (nopObserver) Rejected(string, string) {}
func (nopObserver) Duplicate(string)        {}
