package web

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"alsbot/bot"
	"alsbot/knowledge"
)

func shippedBot(t testing.TB) *bot.Bot {
	t.Helper()
	kb, err := knowledge.LoadShipped()
	if err != nil {
		t.Fatal(err)
	}
	b, err := bot.New(kb)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// recording remembers the last question, so a test sees what the page's
// request became.
type recording struct {
	bot.Asker
	last bot.Question
}

func (r *recording) Ask(ctx context.Context, q bot.Question) bot.Reply {
	r.last = q
	return r.Asker.Ask(ctx, q)
}

func post(t *testing.T, h http.Handler, contentType, body string) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequest("POST", "/api/ask", strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("%s: Content-Type %q", body, ct)
	}
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("%s: not JSON: %q", body, rec.Body.String())
	}
	return rec.Code, out
}

func TestAskAnswersWithSources(t *testing.T) {
	h := New(shippedBot(t))
	tests := []struct {
		body, kind, lang, entry string
	}{
		{`{"text":"ミューズ細胞の治験結果は？","conversation":"abc123"}`, "answer", "ja", "muse-trial-efficacy"},
		{`{"text":"what is conditioned medium","lang":"en"}`, "answer", "en", "cm-what"},
		{`{"text":"どれ","entry":"cm-what","lang":"ja"}`, "answer", "ja", "cm-what"},
		{`{"entry":"cm-what","lang":"en"}`, "answer", "en", "cm-what"},
		{`{"text":"今日の天気は？"}`, "fallback", "ja", ""},
	}
	for _, tt := range tests {
		code, r := post(t, h, "application/json", tt.body)
		if code != 200 || r["kind"] != tt.kind || r["lang"] != tt.lang || r["entry"] != tt.entry {
			t.Errorf("%s: %d kind=%v lang=%v entry=%v, want 200 %s %s %s", tt.body, code, r["kind"], r["lang"], r["entry"], tt.kind, tt.lang, tt.entry)
			continue
		}
		if tt.kind == "answer" {
			srcs, _ := r["sources"].([]any)
			if len(srcs) == 0 || srcs[0].(map[string]any)["title"] == "" {
				t.Errorf("%s: no cited source: %v", tt.body, r["sources"])
			}
		}
	}
}

func TestAskPassesTheConversation(t *testing.T) {
	rec := &recording{Asker: shippedBot(t)}
	h := New(rec)
	post(t, h, "application/json", `{"text":"iPS細胞とは","conversation":"c0ffee","lang":"en"}`)
	want := bot.Question{Text: "iPS細胞とは", Lang: "en", Channel: "web", User: "c0ffee", Client: "192.0.2.1", Conversation: "web:c0ffee"}
	if rec.last != want {
		t.Errorf("asked %+v, want %+v", rec.last, want)
	}
	post(t, h, "application/json", `{"text":"iPS細胞とは"}`)
	if rec.last.User != "" || rec.last.Client != "192.0.2.1" || rec.last.Conversation != "" {
		t.Errorf("without a conversation: user %q client %q conversation %q, want only the client address", rec.last.User, rec.last.Client, rec.last.Conversation)
	}
}

func TestAskRefusesBadRequests(t *testing.T) {
	h := New(shippedBot(t))
	tests := []struct {
		name, method, contentType, body string
		want                            int
	}{
		{"GET", "GET", "", "", 405},
		{"form post", "POST", "application/x-www-form-urlencoded", "text=hi", 415},
		{"text/plain", "POST", "text/plain", `{"text":"hi"}`, 415},
		{"no content type", "POST", "", `{"text":"hi"}`, 415},
		{"not JSON", "POST", "application/json", `text=hi`, 400},
		{"two objects", "POST", "application/json", `{"text":"hi"}{"text":"again"}`, 400},
		{"unknown field", "POST", "application/json", `{"text":"hi","user":"U1"}`, 400},
		{"array", "POST", "application/json", `["hi"]`, 400},
		{"empty", "POST", "application/json", `{"text":"   "}`, 400},
		{"bad lang", "POST", "application/json", `{"text":"hi","lang":"fr"}`, 400},
		{"bad conversation", "POST", "application/json", `{"text":"hi","conversation":"../../etc"}`, 400},
		{"bad entry", "POST", "application/json", `{"entry":"<script>"}`, 400},
		{"too long", "POST", "application/json", `{"text":"` + strings.Repeat("あ", MaxTextRunes+1) + `"}`, 400},
		{"too large", "POST", "application/json", `{"text":"` + strings.Repeat("a", MaxBodyBytes) + `"}`, 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, "/api/ask", strings.NewReader(tt.body))
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			var out struct{ Error string }
			if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || out.Error == "" {
				t.Errorf("body %q is not a JSON error", rec.Body.String())
			}
			if rec.Code != tt.want {
				t.Errorf("status %d, want %d", rec.Code, tt.want)
			}
			if strings.Contains(out.Error, "hi") || strings.Contains(out.Error, "script") {
				t.Errorf("the error echoes the request: %q", out.Error)
			}
		})
	}
}

func TestPageIsServedWithItsParts(t *testing.T) {
	h := New(shippedBot(t))
	tests := []struct {
		path, contentType, contains string
	}{
		{"/", "text/html", `<label for="q"`},
		{"/", "text/html", `class="skip" href="#q"`},
		{"/app.js", "text/javascript", "api/ask"},
		{"/style.css", "text/css", ":focus-visible"},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", tt.path, nil))
		body, _ := io.ReadAll(rec.Body)
		if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), tt.contentType) || !strings.Contains(string(body), tt.contains) {
			t.Errorf("GET %s: %d %q, want %s containing %q", tt.path, rec.Code, rec.Header().Get("Content-Type"), tt.contentType, tt.contains)
		}
		if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
			t.Errorf("GET %s: CSP %q", tt.path, csp)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/nothing-here", nil))
	if rec.Code != 404 {
		t.Errorf("GET /nothing-here: %d", rec.Code)
	}
}

func TestMenu(t *testing.T) {
	h := New(shippedBot(t))
	for _, lang := range []string{"ja", "en"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/menu?lang="+lang, nil))
		var r bot.Reply
		if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil || rec.Code != 200 {
			t.Fatalf("menu %s: %d %q", lang, rec.Code, rec.Body.String())
		}
		if r.Lang != lang || len(r.Suggestions) == 0 {
			t.Errorf("menu %s: lang %q, %d topics", lang, r.Lang, len(r.Suggestions))
		}
	}
}

// TestAbout: the page's header reads who runs the bot and when the
// answers were reviewed from /api/about.
func TestAbout(t *testing.T) {
	h := New(shippedBot(t))
	for _, lang := range []string{"ja", "en"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/about?lang="+lang, nil))
		var r bot.Reply
		if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil || rec.Code != 200 {
			t.Fatalf("about %s: %d %q", lang, rec.Code, rec.Body.String())
		}
		if r.Lang != lang || r.Clinic == nil || r.Clinic.Name == "" || r.Reviewed == "" || r.Text == "" {
			t.Errorf("about %s: %+v; want the clinic's name, the review month and the text", lang, r)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/api/about", nil))
	if rec.Code != 405 {
		t.Errorf("POST /api/about: %d, want 405", rec.Code)
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"text":"ミューズ細胞の治験結果は？","lang":"ja","conversation":"ab","entry":"x"}`, `{}`, `[]`, `{"text":1}`, `{"text":"\ud800"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		req, status, msg := decode(strings.NewReader(body))
		if status == 0 {
			if req.Lang != "" && req.Lang != "ja" && req.Lang != "en" {
				t.Errorf("accepted lang %q", req.Lang)
			}
			if req.Text == "" && req.Entry == "" {
				t.Error("accepted an empty question")
			}
			return
		}
		if msg == "" || status < 400 || status > 499 {
			t.Errorf("refused with %d %q", status, msg)
		}
	})
}

func BenchmarkAsk(b *testing.B) {
	h := New(shippedBot(b))
	body := `{"text":"ミューズ細胞の治験結果は？","conversation":"bench","lang":"ja"}`
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest("POST", "/api/ask", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatal(rec.Code)
		}
	}
}
