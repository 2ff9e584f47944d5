// Package server runs the bot's HTTP server so that it is hard to break:
// timeouts on every connection, a panic in one request answered with a
// 500 instead of taking the process down, structured access logs without
// message text, health and readiness endpoints, and a graceful shutdown
// that lets replies in flight finish.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Timeouts of every connection. A webhook body is small and arrives at
// once; a slow client that trickles headers or bodies is cut off instead
// of holding a connection. Idle keep-alive connections (LINE and Slack
// reuse theirs) are kept for two minutes.
const (
	ReadHeaderTimeout = 5 * time.Second
	ReadTimeout       = 15 * time.Second
	WriteTimeout      = 30 * time.Second
	IdleTimeout       = 120 * time.Second
	// MaxHeaderBytes bounds the request line and headers.
	MaxHeaderBytes = 64 << 10
	// MaxBodyBytes bounds every request body; handlers set lower limits of
	// their own where they know better.
	MaxBodyBytes = 1 << 20
	// ShutdownGrace is how long in-flight replies may take to finish once
	// the server is asked to stop.
	ShutdownGrace = 10 * time.Second
)

// New returns an HTTP server for h with the package's timeouts, panic
// recovery, access logs and body limit around it.
func New(h http.Handler, logger *slog.Logger) *http.Server {
	h = http.MaxBytesHandler(h, MaxBodyBytes)
	h = Recover(h, logger)
	h = AccessLog(h, logger)
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}

// Closer finishes work that outlives its HTTP request, such as replies an
// adapter sends after acknowledging a webhook.
type Closer func(ctx context.Context) error

// Serve serves srv on ln until ctx is done. Then it marks health as
// draining, stops accepting connections, waits for the requests in flight
// and then for each closer, in order, all within ShutdownGrace. It returns
// nil when everything finished, and an error when the grace ran out or
// the server failed.
func Serve(ctx context.Context, srv *http.Server, ln net.Listener, health *Health, logger *slog.Logger, closers ...Closer) error {
	failed := make(chan error, 1)
	go func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			failed <- err
		}
	}()
	var serveErr error
	select {
	case <-ctx.Done():
		logger.Info("shutting down: finishing replies in flight", "grace", ShutdownGrace.String())
	case serveErr = <-failed:
		logger.Error("server failed", "err", serveErr)
	}
	if health != nil {
		health.Drain()
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ShutdownGrace)
	defer cancel()
	errs := []error{serveErr}
	if err := srv.Shutdown(sctx); err != nil {
		errs = append(errs, fmt.Errorf("stop the server: %w", err))
	}
	for _, c := range closers {
		if err := c(sctx); err != nil {
			errs = append(errs, fmt.Errorf("finish replies: %w", err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		logger.Error("shut down with work unfinished", "err", err)
		return err
	}
	logger.Info("shut down cleanly")
	return nil
}
