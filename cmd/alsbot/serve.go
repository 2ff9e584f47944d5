package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"alsbot/adapters/handoff"
	"alsbot/adapters/line"
	"alsbot/adapters/metrics"
	"alsbot/adapters/ratelimit"
	"alsbot/adapters/redis"
	"alsbot/adapters/reload"
	"alsbot/adapters/server"
	"alsbot/adapters/slack"
	"alsbot/adapters/sqlite"
	"alsbot/adapters/web"
	"alsbot/bot"
	"alsbot/bot/gaps"
	"alsbot/knowledge"
)

// DefaultAddr is where serve listens unless told otherwise: loopback
// only, so that a first try exposes nothing to the network.
const DefaultAddr = "127.0.0.1:8080"

// serveConfig is everything serve reads from its flags and environment.
type serveConfig struct {
	kb        kbFlags
	addr      string
	preview   bool
	logLevel  slog.Level
	rateBurst int
	rateEvery time.Duration
	salt      string
	line      line.Config
	lineOn    bool
	slack     slack.Config
	slackOn   bool
	// handoff: the Slack channel of handed-over patients (empty: no
	// handoff), how long a case waits before it is raised again, and how
	// long a closed case's LINE user id is kept.
	handoffChannel   string
	handoffRemind    time.Duration
	handoffRetention time.Duration
	// redisURL, when set, keeps what replicas share in Redis: answered
	// events, conversations, the rate limit.
	redisURL string
	// outboxLease is how long an event stays its replica's in the shared
	// outbox.
	outboxLease time.Duration
	// stateDir holds the server's files: the outbox, the misses database.
	stateDir string
	// trusted are the proxies whose X-Forwarded-For the preview believes.
	trusted []netip.Prefix
	// openMisses opens the store of unanswered questions (nil when
	// recording is off), keyed with the salt.
	openMisses func(ctx context.Context, salt string, logger *slog.Logger) (*sqlite.MissStore, error)
}

// serveHooks let tests watch and steer a running server.
type serveHooks struct {
	// listening is called with the address once connections are accepted.
	listening func(addr string)
	// hup delivers SIGHUP.
	hup <-chan os.Signal
	// wrap, if set, wraps the bot (a slow bot, in a shutdown test).
	wrap bot.Middleware
}

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseServe(args, getenv, stderr)
	if err != nil {
		return err
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	if path := getenv("ALSBOT_CPU_PROFILE"); path != "" {
		// For measuring: a CPU profile of the whole run, written at
		// shutdown (go tool pprof).
		f, err := os.Create(path)
		if err != nil {
			return fmt.Errorf("ALSBOT_CPU_PROFILE: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("ALSBOT_CPU_PROFILE: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	return serve(ctx, cfg, stderr, serveHooks{hup: hup})
}

func parseServe(args []string, getenv func(string) string, stderr io.Writer) (serveConfig, error) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var cfg serveConfig
	cfg.kb.register(fs, getenv)
	fs.StringVar(&cfg.addr, "addr", envOr(getenv, "ALSBOT_ADDR", DefaultAddr), "listen on `HOST:PORT` (env ALSBOT_ADDR)")
	preview := fs.String("preview", envOr(getenv, "ALSBOT_PREVIEW", "on"), "serve the browser preview at / (`on` or off; env ALSBOT_PREVIEW)")
	level := fs.String("log-level", envOr(getenv, "ALSBOT_LOG_LEVEL", "info"), "log `LEVEL`: debug, info, warn or error (env ALSBOT_LOG_LEVEL)")
	burst := fs.String("rate-burst", envOr(getenv, "ALSBOT_RATE_BURST", strconv.Itoa(ratelimit.DefaultBurst)),
		"messages a user may send in a row; 0 turns the limit off (env ALSBOT_RATE_BURST)")
	every := fs.String("rate-every", envOr(getenv, "ALSBOT_RATE_EVERY", ratelimit.DefaultEvery.String()),
		"then one message per `DURATION` (env ALSBOT_RATE_EVERY)")
	proxies := fs.String("trusted-proxies", getenv("ALSBOT_TRUSTED_PROXIES"),
		"believe X-Forwarded-For only from these `ADDRS` (comma-separated addresses or networks; env ALSBOT_TRUSTED_PROXIES)")
	fs.StringVar(&cfg.stateDir, "state-dir", stateDir(getenv), "keep the outbox and the misses database in `DIR` (env "+envStateDir+")")
	if err := parse(fs, args, stderr); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "alsbot serve: unexpected arguments %q\n", fs.Args())
		return cfg, errUsage
	}
	var errs []error
	switch strings.ToLower(*preview) {
	case "on", "true", "yes", "1":
		cfg.preview = true
	case "off", "false", "no", "0":
	default:
		errs = append(errs, fmt.Errorf("preview %q: want on or off", *preview))
	}
	if err := cfg.logLevel.UnmarshalText([]byte(*level)); err != nil {
		errs = append(errs, fmt.Errorf("log level %q: want debug, info, warn or error", *level))
	}
	n, err := strconv.Atoi(*burst)
	if err != nil || n < 0 {
		errs = append(errs, fmt.Errorf("rate burst %q: want a whole number, 0 or more", *burst))
	}
	cfg.rateBurst = n
	d, err := time.ParseDuration(*every)
	if err != nil || d <= 0 {
		errs = append(errs, fmt.Errorf("rate every %q: want a duration such as 3s", *every))
	}
	cfg.rateEvery = d
	if cfg.trusted, err = web.ParseProxies(*proxies); err != nil {
		errs = append(errs, err)
	}
	cfg.salt = getenv("ALSBOT_SALT")
	inState := func(k string) string {
		if k == envStateDir {
			return cfg.stateDir
		}
		return getenv(k)
	}
	cfg.openMisses = func(ctx context.Context, salt string, logger *slog.Logger) (*sqlite.MissStore, error) {
		return openMissesStore(ctx, inState, salt, logger)
	}

	lc, err := line.ConfigFromEnv(getenv)
	if err != nil {
		errs = append(errs, err)
	}
	cfg.line = lc
	cfg.lineOn = lc.ChannelSecret != "" || lc.ChannelToken != ""
	cfg.slack = slack.Config{
		BotToken:      getenv("SLACK_BOT_TOKEN"),
		AppToken:      getenv("SLACK_APP_TOKEN"),
		SigningSecret: getenv("SLACK_SIGNING_SECRET"),
		APIBase:       getenv("SLACK_API_BASE"),
	}
	cfg.slackOn = cfg.slack.BotToken != "" || cfg.slack.AppToken != "" || cfg.slack.SigningSecret != ""
	cfg.handoffChannel = getenv("ALSBOT_HANDOFF_CHANNEL")
	cfg.redisURL = getenv("ALSBOT_REDIS_URL")
	cfg.outboxLease = redis.DefaultLease
	if s := getenv("ALSBOT_OUTBOX_LEASE"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("ALSBOT_OUTBOX_LEASE %q: want a duration such as 2m", s))
		}
		cfg.outboxLease = d
	}
	for _, v := range []struct {
		name string
		dst  *time.Duration
		def  time.Duration
	}{{"ALSBOT_HANDOFF_REMIND", &cfg.handoffRemind, handoff.DefaultRemindAfter}, {"ALSBOT_HANDOFF_RETENTION", &cfg.handoffRetention, handoff.DefaultRetention}} {
		*v.dst = v.def
		if s := getenv(v.name); s != "" {
			d, err := parseAge(s)
			if err != nil || d <= 0 {
				errs = append(errs, fmt.Errorf("%s %q: want a duration such as 30m or 30d", v.name, s))
			}
			*v.dst = d
		}
	}
	if cfg.handoffChannel != "" && (!cfg.lineOn || !cfg.slackOn) {
		errs = append(errs, errors.New("ALSBOT_HANDOFF_CHANNEL is set, but a handoff needs both LINE and Slack configured"))
	}
	if !cfg.preview && !cfg.lineOn && !cfg.slackOn {
		errs = append(errs, errors.New("nothing to serve: the preview is off and no LINE or Slack variables are set"))
	}
	return cfg, errors.Join(errs...)
}

func envOr(getenv func(string) string, name, def string) string {
	if v := getenv(name); v != "" {
		return v
	}
	return def
}

// loadBot reads the knowledge base and builds the bot, valid in the one
// sense alsbot validate checks (validBot): serve never starts with, nor
// swaps in, a version validate rejects.
func loadBot(ctx context.Context, kf kbFlags, opts ...bot.Option) (*bot.Bot, error) {
	b, err := validBot(ctx, kf, opts...)
	// Checking a knowledge base (every example question asked, every
	// answer compared with its documents) makes garbage many times the
	// bot's own size: give it back to the system before serving, so that
	// the server's resident memory is the bot's, not the check's.
	debug.FreeOSMemory()
	return b, err
}

// serve runs the server until ctx is done, then shuts it down gracefully.
func serve(ctx context.Context, cfg serveConfig, logOut io.Writer, hooks serveHooks) error {
	logger := slog.New(slog.NewJSONHandler(logOut, &slog.HandlerOptions{Level: cfg.logLevel}))
	if cfg.salt == "" {
		var b [32]byte
		rand.Read(b[:])
		cfg.salt = hex.EncodeToString(b[:])
		logger.Warn("ALSBOT_SALT is not set: user ids are hashed with a random salt for this run, so pseudonyms in the logs change at every restart")
	}

	// Shared state: in Redis when configured (every replica sees the same
	// answered events, conversations and rate limit), else in memory.
	var shared *redis.Client
	var buckets ratelimit.Buckets
	var conversations bot.Conversations = bot.NewMemoryConversations(bot.DefaultConversationTTL)
	if cfg.redisURL != "" {
		var err error
		if shared, err = redis.Open(cfg.redisURL, "alsbot:", logger); err != nil {
			return err
		}
		defer shared.Close()
		if err := shared.Ping(ctx); err != nil {
			logger.Warn("redis does not answer yet: /readyz fails until it does; messages are still answered", "err", err)
		}
		buckets, conversations = shared.Buckets(), shared.Conversations(bot.DefaultConversationTTL)
		cfg.line.Dedup = shared.Dedup(line.DefaultDedupTTL)
		cfg.slack.Dedup = shared.Dedup(15 * time.Minute)
		logger.Info("shared state in Redis: answered events, conversations and the rate limit")
	}
	// One store of conversations for every version of the knowledge
	// base, so a reload does not make the bot forget what was said.
	convs := bot.WithConversations(conversations)
	first, err := loadBot(ctx, cfg.kb, convs)
	if err != nil {
		for _, p := range knowledge.Problems(err) {
			logger.Error("knowledge base problem", "problem", p.Error())
		}
		return fmt.Errorf("the knowledge base has problems (run alsbot validate): %w", err)
	}
	live := bot.NewLive(first)
	m := metrics.New()

	// Every question passes every stage, in this order (see the
	// README's "How a message is handled"):
	//  1. the guard: a panic anywhere after it still gets the user a
	//     reply, and every reply is logged (never the message);
	//  2. metrics: every reply counted, emergencies and refusals too;
	//  3. safety: an emergency or a crisis is marked urgent, and no stage
	//     after it may turn it away;
	//  4. the rate limit, per user;
	//  5. the miss log: after the rate limit, since a message turned
	//     away is not a question the knowledge base failed;
	//  6. the bot that is live now.
	stages := []bot.Middleware{
		server.GuardStage(logger, cfg.salt),
		m.Count,
		bot.SafetyFirst(live),
	}
	// 3b. the handoff, for LINE: after safety, so that an emergency
	// during a case is answered at once; before the rate limit, so that
	// a patient's messages to the staff are never turned away.
	var desk *handoff.Desk
	if cfg.handoffChannel != "" {
		if err := ensureDir(cfg.stateDir); err != nil {
			return err
		}
		var cases handoff.Store
		if shared != nil {
			cases = shared.Cases() // every replica sees every case
		} else {
			local, err := sqlite.OpenCases(ctx, filepath.Join(cfg.stateDir, "cases.db"))
			if err != nil {
				return fmt.Errorf("the handoff's cases: %w", err)
			}
			defer local.Close()
			cases = local
		}
		staff, err := slack.NewCaseChannel(cfg.slack, cfg.handoffChannel)
		if err != nil {
			return err
		}
		pusher, err := line.NewPusher(cfg.line)
		if err != nil {
			return err
		}
		desk, err = handoff.New(handoff.Config{Store: cases, Staff: staff, Patient: pusher, Clinic: first.KB().Clinic, Salt: cfg.salt,
			RemindAfter: cfg.handoffRemind, Retention: cfg.handoffRetention, Logger: logger, Observer: m})
		if err != nil {
			return err
		}
		go desk.Run(ctx)
		stages = append(stages, desk.Middleware)
		logger.Info("handoff on: patients on LINE who ask for a person can be passed to the staff in Slack, with consent", "channel", cfg.handoffChannel)
	}
	stages = append(stages, ratelimit.Stage(ratelimit.Config{Burst: cfg.rateBurst, Every: cfg.rateEvery, Observer: m, Buckets: buckets}))
	if cfg.openMisses != nil {
		st, err := cfg.openMisses(ctx, cfg.salt, logger)
		if err != nil {
			return fmt.Errorf("the store of unanswered questions: %w", err)
		}
		if st != nil {
			defer st.Close()
			logger.Info("recording unanswered questions (masked, user ids hashed); ALSBOT_MISSES=off to stop")
		}
		stages = append(stages, func(next bot.Asker) bot.Asker { return gaps.NewRecorder(next, st, logger) })
	}
	if hooks.wrap != nil {
		stages = append(stages, hooks.wrap)
	}
	counted := bot.Chain(live, stages...)

	var health server.Health
	health.Check("knowledge", func() bool { return live.Current() != nil })
	if shared != nil {
		health.Check("redis", func() bool { return shared.Ping(context.Background()) == nil })
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", health.Live)
	mux.HandleFunc("GET /readyz", health.Ready)
	mux.Handle("GET /metrics", m.Handler())
	var channels []string
	if cfg.preview {
		mux.Handle("/", web.New(counted, web.WithTrustedProxies(cfg.trusted)))
		channels = append(channels, web.Channel)
	}

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	// Adapters start workers: if a later one fails, the earlier ones stop.
	var closers []server.Closer
	fail := func(err error) error {
		ln.Close()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), server.ShutdownGrace)
		defer cancel()
		for _, c := range closers {
			c(sctx)
		}
		return err
	}
	if cfg.lineOn {
		lc := cfg.line
		lc.Salt, lc.Logger, lc.Observer = cfg.salt, logger, m
		if err := ensureDir(cfg.stateDir); err != nil {
			return fail(err)
		}
		if shared != nil {
			// One outbox for the replicas: each event leased to the one
			// that accepted it, and taken over when its lease runs out.
			lc.Outbox = shared.Outbox(replicaID(), cfg.outboxLease)
		} else {
			ob, err := sqlite.Open(ctx, filepath.Join(cfg.stateDir, "outbox.db"))
			if err != nil {
				return fail(err)
			}
			defer ob.Close()
			lc.Outbox = ob
		}
		h, err := line.New(counted, lc)
		if err != nil {
			return fail(err)
		}
		if n, err := h.Resume(ctx); err != nil {
			logger.Error("line: the outbox could not be read; events left by the last stop are not resumed", "err", err)
		} else if n > 0 {
			logger.Info("line: answering the events the last stop left in the outbox", "events", n)
		}
		if shared != nil {
			go h.ResumeEvery(ctx, max(cfg.outboxLease/4, 100*time.Millisecond))
		}
		mux.Handle("/line/webhook", h)
		closers = append(closers, h.Close)
		channels = append(channels, line.Channel)
	}
	var slackAdapter *slack.Adapter
	if cfg.slackOn {
		sc := cfg.slack
		sc.Logger, sc.Observer = logger, m
		if desk != nil {
			sc.Cases, sc.CasesChannel = desk, cfg.handoffChannel
		}
		ad, err := slack.New(counted, sc)
		if err != nil {
			return fail(err)
		}
		for path, h := range ad.Routes() {
			mux.Handle(path, h)
		}
		health.Check("slack", ad.Ready)
		closers = append(closers, ad.Close)
		channels = append(channels, "slack ("+string(ad.Mode())+" mode)")
		slackAdapter = ad
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go watchKB(ctx, cfg.kb, live, m, logger, hooks.hup, convs)
	if slackAdapter != nil {
		go superviseSlack(ctx, slackAdapter, logger)
	}
	addr := ln.Addr().String()
	attrs := []any{"addr", addr, "channels", channels, "entries", len(first.KB().Entries)}
	if cfg.preview {
		attrs = append(attrs, "preview", "http://"+addr+"/")
	}
	logger.Info("alsbot serve: listening", attrs...)
	if !cfg.lineOn && !cfg.slackOn {
		logger.Info("no LINE or Slack variables set: serving the browser preview only")
	}
	if hooks.listening != nil {
		hooks.listening(addr)
	}
	return server.Serve(ctx, server.New(mux, logger), ln, &health, logger, closers...)
}

// watchKB reloads the knowledge base on SIGHUP and, when it is read from
// disk, whenever its files change.
func watchKB(ctx context.Context, kf kbFlags, live *bot.Live, m *metrics.Metrics, logger *slog.Logger, hup <-chan os.Signal, opts ...bot.Option) {
	var r *reload.Reloader
	if kf.kb != "" {
		r = reload.New(reload.Config{
			Live:     live,
			Load:     func(ctx context.Context) (*bot.Bot, error) { return loadBot(ctx, kf, opts...) },
			Logger:   logger,
			Observer: m,
		})
		dirs := []string{kf.kb}
		if d := seedsOnDisk(kf); d != "" {
			dirs = append(dirs, d)
		}
		go func() {
			if err := r.Watch(ctx, dirs...); err != nil {
				logger.Error("not watching the knowledge base: reload with SIGHUP", "err", err)
			}
		}()
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			if r == nil {
				logger.Info("SIGHUP: nothing to reload, the knowledge base is built into the binary (serve with --kb DIR to reload it)")
				continue
			}
			logger.Info("SIGHUP: reloading the knowledge base")
			r.Reload(ctx)
		}
	}
}

// seedsOnDisk is the source-register directory read from disk, as
// kbFlags.dirs chooses it, or "" when the built-in register is used.
func seedsOnDisk(kf kbFlags) string {
	if kf.seeds != "" {
		return kf.seeds
	}
	if kf.kb == "" {
		return ""
	}
	sibling := filepath.Join(kf.kb, "..", "seeds")
	if st, err := os.Stat(sibling); err == nil && st.IsDir() {
		return sibling
	}
	return ""
}

// superviseSlack keeps the Slack connection up: Run is restarted with
// backoff after a failure, except when Slack refuses the token, which no
// retry can fix (then /readyz reports slack not ready).
func superviseSlack(ctx context.Context, ad *slack.Adapter, logger *slog.Logger) {
	const maxWait = 5 * time.Minute
	wait := time.Second
	for {
		err := ad.Run(ctx)
		if ctx.Err() != nil {
			return
		}
		if errors.Is(err, slack.ErrAuth) {
			logger.Error("slack stopped: the token was refused; fix it and restart", "err", err)
			return
		}
		logger.Warn("slack connection failed: retrying", "err", err, "in", wait.String())
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, maxWait)
	}
}

// replicaID names this process among the replicas sharing Redis.
func replicaID() string {
	host, _ := os.Hostname()
	var b [4]byte
	rand.Read(b[:])
	return fmt.Sprintf("%s-%d-%x", host, os.Getpid(), b)
}
