package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"alsbot/bot"
)

// browser is one headless Chromium tab at a screen size, on a running
// alsbot serve, writing a screenshot of each step to shots.
type browser struct {
	t     *testing.T
	ctx   context.Context
	s     *testServer
	shots string
	name  string
	step  int
}

func newBrowser(t *testing.T, s *testServer, w, h int, shots string) *browser {
	t.Helper()
	exe := chromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.WindowSize(w, h),
		chromedp.Flag("lang", "ja-JP"))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	// The first call starts the browser; it must not carry the timeout.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(w), int64(h))); err != nil {
		t.Fatalf("starting %s: %v", exe, err)
	}
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(cancelTimeout)
	return &browser{t: t, ctx: ctx, s: s, shots: shots, name: fmt.Sprintf("%dx%d", w, h)}
}

// do runs the actions of a step, then screenshots the page; a failure
// names the step, the screenshots and the server's log.
func (b *browser) do(step string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	b.done(step, chromedp.Do(b.ctx, actions...))
}

// done screenshots the page after a step, and fails the test, naming the
// step, the screenshots and the server's log, if the step failed.
func (b *browser) done(step string, err error) {
	b.t.Helper()
	b.step++
	if png, shotErr := chromedp.Run(b.ctx, chromedp.CaptureScreenshot()); shotErr == nil {
		os.WriteFile(filepath.Join(b.shots, fmt.Sprintf("%s-%02d-%s.png", b.name, b.step, strings.ReplaceAll(step, " ", "-"))), png, 0o644)
	}
	if err != nil {
		b.t.Fatalf("in the browser at %s, %s: %v\nscreenshots: %s\nserver log:\n%s", b.name, step, err, b.shots, b.s.logs.String())
	}
}

// get runs an action that reads something from the page.
func get[T any](b *browser, step string, a chromedp.Action[T]) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, a)
	b.done(step, err)
	return v
}

// layout is what a person sees of the page: whether it scrolls sideways,
// whether the question field and the last message are on screen, and how
// much of the screen the header takes.
type layout struct {
	Wide         bool    `json:"wide"`
	InputVisible bool    `json:"inputVisible"`
	LastVisible  bool    `json:"lastVisible"`
	HeaderShare  float64 `json:"headerShare"`
}

const layoutJS = `(() => {
  const vw = window.innerWidth, vh = window.innerHeight;
  const on = (e) => { if (!e) return false; const r = e.getBoundingClientRect(); return r.top >= 0 && r.bottom <= vh + 1 && r.left >= 0 && r.right <= vw + 1; };
  const seen = (e) => { if (!e) return false; const r = e.getBoundingClientRect(); return r.bottom > 0 && r.top < vh; };
  const last = document.querySelector("#log > :last-child");
  return {
    wide: document.documentElement.scrollWidth > vw,
    inputVisible: on(document.getElementById("q")) && on(document.getElementById("send")),
    lastVisible: seen(last),
    headerShare: document.querySelector("header").getBoundingClientRect().height / vh,
  };
})()`

func (b *browser) checkLayout(when string) {
	b.t.Helper()
	l := get(b, "measuring the layout "+when, chromedp.Evaluate[layout](layoutJS))
	if l.Wide {
		b.t.Errorf("%s, %s: the page scrolls sideways", b.name, when)
	}
	if !l.InputVisible {
		b.t.Errorf("%s, %s: the question field or the send button is off screen", b.name, when)
	}
	if !l.LastVisible {
		b.t.Errorf("%s, %s: the last message is off screen", b.name, when)
	}
	if l.HeaderShare > 0.12 {
		b.t.Errorf("%s, %s: the header takes %.0f %% of the screen, want at most 12 %%", b.name, when, 100*l.HeaderShare)
	}
}

// TestPreviewInABrowser drives the preview page in headless Chromium, on
// a phone and on a desktop screen, as a worried relative would: the page
// fits the screen, the header names the clinic, a skip link leads to the
// question field, a Japanese and an English question are answered with
// their sources (the disclaimer in English the first time English
// appears), a tapped suggestion is answered and no suggestion offers what
// was read, an emergency is an alert with a link that dials 119, and a
// crisis reply's numbers dial too. Screenshots of every step are kept,
// and named in any failure.
func TestPreviewInABrowser(t *testing.T) {
	shots, err := os.MkdirTemp("", "alsbot-preview-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() || os.Getenv("ALSBOT_KEEP_SHOTS") != "" {
			t.Logf("screenshots of the browser test: %s", shots)
		} else {
			os.RemoveAll(shots)
		}
	})
	bt, err := loadBot(context.Background(), kbFlags{})
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range [][2]int{{390, 844}, {1280, 900}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			previewSession(t, bt, startServe(t, nil, serveHooks{}), newBrowser(t, nil, size[0], size[1], shots))
		})
	}
}

func previewSession(t *testing.T, bt *bot.Bot, s *testServer, b *browser) {
	b.s = s
	ctx := context.Background()
	museJA := bt.Ask(ctx, bot.Question{Text: "ミューズ細胞の治験結果は？"})
	cmEN := bt.Ask(ctx, bot.Question{Text: "what is conditioned medium"})
	if museJA.Entry == "" || cmEN.Entry == "" || len(museJA.Sources) == 0 || museJA.Sources[0].URL == "" {
		t.Fatalf("the shipped bot no longer answers the test's questions as expected: %+v / %+v", museJA, cmEN)
	}
	article := func(entry, lang string) string {
		return fmt.Sprintf(`#log article[data-entry=%q][lang=%q]`, entry, lang)
	}
	text := func(sel string) string {
		t.Helper()
		return strings.Join(strings.Fields(get(b, "reading "+sel, chromedp.Text(chromedp.CSS(sel)))), " ")
	}
	same := func(name, got, want string) {
		t.Helper()
		if !strings.Contains(got, strings.Join(strings.Fields(want), " ")) {
			t.Errorf("%s: %s shown as %q, want %q", b.name, name, got, want)
		}
	}

	b.do("opening the page",
		chromedp.Navigate(s.url+"/"),
		chromedp.WaitVisible(chromedp.CSS(`#log article .suggestion`)), // the topic menu
		chromedp.Poll[chromedp.Void](`document.getElementById("clinic").textContent !== ""`))
	// The page speaks the browser's language until the person writes.
	pageLang := get(b, "reading the page's language", chromedp.Evaluate[string](`navigator.language.toLowerCase().startsWith("ja") ? "ja" : "en"`))
	about := bt.Ask(ctx, bot.Question{Kind: bot.AskAbout, Lang: pageLang})
	same("the clinic in the header", text(`#clinic`), about.Clinic.Name)
	b.checkLayout("on opening")

	b.do("tabbing to the skip link", chromedp.KeyEvent(kb.Tab))
	focused := get(b, "reading the focus", chromedp.Evaluate[string](`document.activeElement.className`))
	if focused != "skip" {
		t.Errorf("%s: the first Tab lands on %q, want the skip link", b.name, focused)
	}
	b.do("following the skip link", chromedp.KeyEvent(kb.Enter))
	focused = get(b, "reading the focus", chromedp.Evaluate[string](`document.activeElement.id`))
	if focused != "q" {
		t.Errorf("%s: the skip link leads to %q, want the question field", b.name, focused)
	}

	b.do("asking in Japanese",
		chromedp.SendKeys(chromedp.CSS(`#q`), "ミューズ細胞の治験結果は？"),
		chromedp.Click(chromedp.CSS(`#send`)),
		chromedp.WaitVisible(chromedp.CSS(article(museJA.Entry, "ja")+` .sources a`)))
	same("the Japanese answer", text(article(museJA.Entry, "ja")+` .text`), museJA.Text)
	link := get(b, "reading the source link", chromedp.AttributeValue(chromedp.CSS(article(museJA.Entry, "ja")+` .sources a`), "href")).Value
	if link != museJA.Sources[0].URL {
		t.Errorf("%s: source link %q, want %q", b.name, link, museJA.Sources[0].URL)
	}
	b.checkLayout("after a Japanese answer")

	b.do("asking in English",
		chromedp.SendKeys(chromedp.CSS(`#q`), "what is conditioned medium"+kb.Enter),
		chromedp.WaitVisible(chromedp.CSS(article(cmEN.Entry, "en")+` .sources li`)))
	same("the English answer", text(article(cmEN.Entry, "en")+` .text`), cmEN.Text)
	same("the English source", text(article(cmEN.Entry, "en")+` .sources li`), cmEN.Sources[0].Title)
	same("the English disclaimer, the first time English appears", text(article(cmEN.Entry, "en")+` .notice`), cmEN.Notice)
	if focused = get(b, "reading the focus", chromedp.Evaluate[string](`document.activeElement.id`)); focused != "q" {
		t.Errorf("%s: after sending, focus is on %q, want the question field", b.name, focused)
	}

	// Tap the first suggestion; then nothing offered may be an entry read.
	next := get(b, "reading a suggestion", chromedp.AttributeValue(chromedp.CSS(article(cmEN.Entry, "en")+` .suggestions button`), "data-entry")).Value
	if next == "" {
		t.Fatalf("%s: the English answer offers no suggestion", b.name)
	}
	nextReply, _ := bt.Answer(next, "en")
	b.do("tapping a suggestion",
		chromedp.Click(chromedp.CSS(article(cmEN.Entry, "en")+` .suggestions button`)),
		chromedp.WaitVisible(chromedp.CSS(article(next, "en"))))
	same("the answer to the suggestion", text(article(next, "en")+` .text`), nextReply.Text)
	offered := get(b, "reading the suggestions", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#log > :last-child .suggestions button")).map((b) => b.dataset.entry)`))
	for _, e := range offered {
		if slices.Contains([]string{museJA.Entry, cmEN.Entry, next}, e) {
			t.Errorf("%s: the last answer suggests %s, already read", b.name, e)
		}
	}
	b.checkLayout("after three answers")

	b.do("asking in an emergency",
		chromedp.SendKeys(chromedp.CSS(`#q`), "父が息をしていない"+kb.Enter),
		chromedp.WaitVisible(chromedp.CSS(`#log article[role=alert] a.call`)))
	if dial := get(b, "reading the call link", chromedp.AttributeValue(chromedp.CSS(`#log article[role=alert] a.call`), "href")).Value; dial != "tel:119" {
		t.Errorf("%s: the emergency reply's first link dials %q, want tel:119", b.name, dial)
	}
	b.checkLayout("after the emergency reply")

	crisis := bt.Ask(ctx, bot.Question{Text: "もう死にたい"})
	b.do("telling of a crisis",
		chromedp.SendKeys(chromedp.CSS(`#q`), "もう死にたい"+kb.Enter),
		chromedp.WaitVisible(chromedp.CSS(`#log > article[role=alert]:last-child a.call`)))
	dials := get(b, "reading the crisis numbers", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#log > article:last-child a.call")).map((a) => a.getAttribute("href"))`))
	var want []string
	for _, c := range crisis.Calls {
		want = append(want, "tel:"+c.Number)
	}
	if len(want) < 2 || !slices.Equal(dials, want) {
		t.Errorf("%s: the crisis reply dials %v, want %v", b.name, dials, want)
	}
	b.checkLayout("after the crisis reply")
}

// TestPreviewSaysWhenItStaysSilent: past the rate limit the bot sends
// nothing, and the page says so rather than leave the person waiting.
func TestPreviewSaysWhenItStaysSilent(t *testing.T) {
	shots := t.TempDir()
	s := startServe(t, map[string]string{"ALSBOT_RATE_BURST": "1", "ALSBOT_RATE_EVERY": "1h"}, serveHooks{})
	b := newBrowser(t, s, 390, 844, shots)
	b.do("opening the page", chromedp.Navigate(s.url+"/"), chromedp.WaitVisible(chromedp.CSS(`#log article .suggestion`)))
	for i, q := range []string{"ミューズ細胞とは", "培養上清液とは", "iPS細胞とは"} {
		b.do(fmt.Sprintf("asking question %d", i+1), chromedp.SendKeys(chromedp.CSS(`#q`), q+kb.Enter),
			chromedp.Poll[chromedp.Void](fmt.Sprintf(`document.querySelectorAll("#log > .msg.user").length === %d && !document.getElementById("send").disabled`, i+1)))
	}
	b.do("waiting for the note", chromedp.WaitVisible(chromedp.CSS(`#log > p.note[data-kind=silent]`)))
	if note := get(b, "reading the note", chromedp.Text(chromedp.CSS(`#log > p.note`))); !strings.Contains(note, "119") {
		t.Errorf("the silent note %q does not say where to turn in an emergency", note)
	}
}
