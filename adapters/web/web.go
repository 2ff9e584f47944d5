// Package web is the browser preview of the bot: a small page, embedded in
// the binary, where anyone can ask a question in Japanese or English and
// see the reply as a patient would, with its sources, notice and
// suggested questions, and the JSON API behind it (POST /api/ask).
package web

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"regexp"
	"strings"
	"unicode/utf8"

	"alsbot/bot"
)

//go:embed static
var static embed.FS

// Channel is the Question.Channel of every question asked in the preview.
const Channel = "web"

// Limits on what the API accepts.
const (
	// MaxBodyBytes bounds a request to /api/ask: a question of MaxTextRunes
	// Japanese characters is about 6 KB of JSON.
	MaxBodyBytes = 16 << 10
	// MaxTextRunes is the longest question accepted, in characters.
	MaxTextRunes = 2000
)

var (
	// conversationRE is what the page generates: 32 hex digits; other
	// clients may use any short token.
	conversationRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	entryRE        = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,100}$`)
)

// AskRequest is the body of POST /api/ask.
type AskRequest struct {
	// Text is the question. It may be empty when Entry is set.
	Text string `json:"text"`
	// Lang is "ja" or "en": the reply language when the text does not
	// tell. Optional.
	Lang string `json:"lang"`
	// Conversation is a token the page keeps for the whole conversation;
	// it also identifies the user for the rate limit. Optional.
	Conversation string `json:"conversation"`
	// Entry is the id of a suggestion or choice the user picked. Optional.
	Entry string `json:"entry"`
}

// New returns the preview: the page at /, its script and style, and the
// API at /api/ask, /api/menu and /api/about. The reply to POST /api/ask is the bot's
// Reply as JSON; a bad request gets a 4xx with {"error": "..."}.
func New(a bot.Asker, opts ...Option) http.Handler {
	var o options
	for _, f := range opts {
		f(&o)
	}
	files, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the embedded directory is part of the binary
	}
	mux := http.NewServeMux()
	fileServer := http.FileServerFS(files)
	mux.Handle("GET /{$}", fileServer)
	mux.Handle("GET /app.js", fileServer)
	mux.Handle("GET /style.css", fileServer)
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNoContent) // no icon; answered so browsers stop asking
	})
	mux.HandleFunc("/api/ask", func(w http.ResponseWriter, r *http.Request) { ask(a, o, w, r) })
	mux.HandleFunc("/api/menu", func(w http.ResponseWriter, r *http.Request) { fixed(a, bot.AskMenu, w, r) })
	mux.HandleFunc("/api/about", func(w http.ResponseWriter, r *http.Request) { fixed(a, bot.AskAbout, w, r) })
	return securityHeaders(mux)
}

// Option configures the preview.
type Option func(*options)

type options struct {
	trusted []netip.Prefix
}

// WithTrustedProxies names the proxies (addresses or networks) whose
// X-Forwarded-For is believed: a request from one of them is taken to
// come from the last address in that header that is not one of them. A
// request from anywhere else is taken at its own address, whatever the
// header says.
func WithTrustedProxies(proxies []netip.Prefix) Option {
	return func(o *options) { o.trusted = proxies }
}

// client is the address a request came from, for the rate limit.
func (o options) client(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil || !o.isTrusted(addr) {
		return host
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // a forged or broken header: stop at the proxy
		}
		addr = hop
		if !o.isTrusted(hop) {
			break
		}
	}
	return addr.String()
}

func (o options) isTrusted(a netip.Addr) bool {
	for _, p := range o.trusted {
		if p.Contains(a.Unmap()) {
			return true
		}
	}
	return false
}

// ParseProxies reads a comma-separated list of addresses and networks
// (10.0.0.1, 10.0.0.0/8, ::1).
func ParseProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: not an address or a network", f)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// securityHeaders keeps the page to its own script and style, out of
// frames, and sends no referrer to the sources it links to.
func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; "+
			"connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		h.ServeHTTP(w, r)
	})
}

func ask(a bot.Asker, o options, w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, http.StatusMethodNotAllowed, "use POST")
		return
	}
	// Requiring JSON also keeps other sites out: a cross-site form or
	// simple fetch cannot send application/json without a preflight,
	// which this server does not grant.
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		writeError(w, http.StatusUnsupportedMediaType, "send Content-Type: application/json")
		return
	}
	req, status, msg := decode(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if status != 0 {
		writeError(w, status, msg)
		return
	}
	conv := ""
	if req.Conversation != "" {
		conv = Channel + ":" + req.Conversation
	}
	// Both the conversation and the client address are limited.
	reply := a.Ask(r.Context(), bot.Question{
		Text: req.Text, Lang: req.Lang, Channel: Channel,
		User: req.Conversation, Client: o.client(r), Conversation: conv, Entry: req.Entry,
	})
	writeJSON(w, http.StatusOK, reply)
}

// decode reads and checks one AskRequest. A non-zero status means the
// request is refused with that status and message.
func decode(body io.Reader) (req AskRequest, status int, msg string) {
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return req, http.StatusRequestEntityTooLarge, "the request is too large"
		}
		// The decoder's message may quote the body: do not echo it.
		return req, http.StatusBadRequest, "the body must be one JSON object with text, lang, conversation and entry"
	}
	if _, err := dec.Token(); err != io.EOF {
		return req, http.StatusBadRequest, "the body must be one JSON object with text, lang, conversation and entry"
	}
	switch {
	case !utf8.ValidString(req.Text):
		return req, http.StatusBadRequest, "text must be UTF-8"
	case utf8.RuneCountInString(req.Text) > MaxTextRunes:
		return req, http.StatusBadRequest, "the question is too long"
	case strings.TrimSpace(req.Text) == "" && req.Entry == "":
		return req, http.StatusBadRequest, "text or entry is required"
	case req.Lang != "" && req.Lang != "ja" && req.Lang != "en":
		return req, http.StatusBadRequest, `lang must be "ja" or "en"`
	case req.Conversation != "" && !conversationRE.MatchString(req.Conversation):
		return req, http.StatusBadRequest, "conversation must be 1 to 64 letters, digits, _ or -"
	case req.Entry != "" && !entryRE.MatchString(req.Entry):
		return req, http.StatusBadRequest, "entry is not an entry id"
	}
	return req, 0, ""
}

// fixed answers GET with the reply to a question of kind: the topic menu,
// or what the bot is and who runs it (for the page's header).
func fixed(a bot.Asker, kind bot.QuestionKind, w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, http.StatusMethodNotAllowed, "use GET")
		return
	}
	lang := r.URL.Query().Get("lang")
	if lang != "en" {
		lang = "ja"
	}
	writeJSON(w, http.StatusOK, a.Ask(r.Context(), bot.Question{Kind: kind, Lang: lang, Channel: Channel}))
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}
