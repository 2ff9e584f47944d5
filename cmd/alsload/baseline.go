package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// baselineEnv, set in the child's environment, makes this program the
// baseline server rather than the load program.
const baselineEnv = "ALSLOAD_BASELINE_SERVER"

// baselineReply is a reply of the length of a typical answer.
const baselineReply = "ミューズ細胞の治験では、安全性に大きな問題は見られませんでした。ALSFRS-Rの低下は月0.47点から0.25点へと緩やかになる傾向がありましたが、統計的に意味のある差ではありません。"

// serveBaseline is the least a LINE bot server can do for an event, with
// the same standard library alsbot serve uses: check the signature,
// decode the webhook, acknowledge it, and send a fixed reply to the
// Messaging API. No bot, no SDK, no logs, no metrics. Measured with the
// same clients and fake API, it is the ceiling this machine allows the
// load run, whatever the server does.
func serveBaseline() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	api := os.Getenv("LINE_API_BASE")
	secret := []byte(os.Getenv("LINE_CHANNEL_SECRET"))
	auth := "Bearer " + os.Getenv("LINE_CHANNEL_ACCESS_TOKEN")
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns, t.MaxIdleConnsPerHost = 256, 256
	client := &http.Client{Transport: t, Timeout: 10 * time.Second}

	mux := http.NewServeMux()
	mux.HandleFunc("POST /line/webhook", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil || !validSignature(secret, body, r.Header.Get("X-Line-Signature")) {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		var cb struct {
			Events []struct {
				ReplyToken string `json:"replyToken"`
			} `json:"events"`
		}
		if err := json.Unmarshal(body, &cb); err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		for _, e := range cb.Events {
			go replyBaseline(client, api, auth, e.ReplyToken)
		}
	})
	mux.HandleFunc("POST /api/ask", func(w http.ResponseWriter, r *http.Request) {
		var q struct {
			Text string `json:"text"`
		}
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&q); err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"kind": "answer", "lang": "ja", "text": baselineReply})
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	// The line the load program waits for, as alsbot serve logs it.
	slog.New(slog.NewJSONHandler(os.Stderr, nil)).Info("alsbot serve: listening", "addr", ln.Addr().String())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(shut)
	}()
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		return err
	}
	return nil
}

func replyBaseline(client *http.Client, api, auth, replyToken string) {
	body, _ := json.Marshal(map[string]any{
		"replyToken": replyToken,
		"messages":   []map[string]string{{"type": "text", "text": baselineReply}},
	})
	req, err := http.NewRequest("POST", api+"/v2/bot/message/reply", bytes.NewReader(body))
	if err != nil {
		return
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", auth)
	res, err := client.Do(req)
	if err != nil {
		fmt.Fprintln(os.Stderr, "baseline: reply:", err)
		return
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
}

func validSignature(secret, body []byte, sig string) bool {
	got := []byte(sig)
	want := []byte(signWith(secret, body))
	return hmac.Equal(got, want)
}
