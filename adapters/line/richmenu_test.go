package line

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"alsbot/bot"
)

// fakeRichMenus is LINE's rich-menu API on two hosts, as LINE has it: the
// menus on the API host, their images on the data host.
type fakeRichMenus struct {
	api, data *httptest.Server
	mu        sync.Mutex
	next      int
	menus     map[string]fakeMenu
	def       string
	apiPaths  []string // what the API host was asked, in order
	dataPaths []string
	auth      []string
}

type fakeMenu struct {
	Name   string
	Req    map[string]any
	Image  []byte
	Type   string
	Size   [2]int
	Action []map[string]any
}

func newFakeRichMenus(t *testing.T) *fakeRichMenus {
	f := &fakeRichMenus{menus: map[string]fakeMenu{}}
	// A menu made in LINE's console, which the command must leave alone.
	f.menus["richmenu-console"] = fakeMenu{Name: "campaign"}
	f.api = httptest.NewServer(http.HandlerFunc(f.serveAPI))
	f.data = httptest.NewServer(http.HandlerFunc(f.serveData))
	t.Cleanup(f.api.Close)
	t.Cleanup(f.data.Close)
	return f
}

func (f *fakeRichMenus) serveAPI(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.apiPaths = append(f.apiPaths, r.Method+" "+r.URL.Path)
	f.auth = append(f.auth, r.Header.Get("Authorization"))
	w.Header().Set("Content-Type", "application/json")
	id := r.PathValue("id")
	switch {
	case r.Method == "GET" && r.URL.Path == "/v2/bot/richmenu/list":
		var list []map[string]any
		for id, m := range f.menus {
			list = append(list, map[string]any{"richMenuId": id, "name": m.Name, "size": map[string]int{"width": 2500, "height": 843},
				"selected": false, "chatBarText": "x", "areas": []any{}})
		}
		json.NewEncoder(w).Encode(map[string]any{"richmenus": list})
	case r.Method == "POST" && (r.URL.Path == "/v2/bot/richmenu" || r.URL.Path == "/v2/bot/richmenu/validate"):
		var req map[string]any
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req["size"] == nil || req["areas"] == nil || len(req["chatBarText"].(string)) == 0 {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"message":"invalid rich menu"}`)
			return
		}
		if r.URL.Path == "/v2/bot/richmenu/validate" {
			io.WriteString(w, `{}`)
			return
		}
		f.next++
		id := fmt.Sprintf("richmenu-%d", f.next)
		m := fakeMenu{Name: req["name"].(string), Req: req}
		size := req["size"].(map[string]any)
		m.Size = [2]int{int(size["width"].(float64)), int(size["height"].(float64))}
		for _, a := range req["areas"].([]any) {
			m.Action = append(m.Action, a.(map[string]any)["action"].(map[string]any))
		}
		f.menus[id] = m
		json.NewEncoder(w).Encode(map[string]string{"richMenuId": id})
	case r.Method == "DELETE" && strings.HasPrefix(r.URL.Path, "/v2/bot/richmenu/"):
		id := strings.TrimPrefix(r.URL.Path, "/v2/bot/richmenu/")
		if _, ok := f.menus[id]; !ok {
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"message":"not found"}`)
			return
		}
		delete(f.menus, id)
		io.WriteString(w, `{}`)
	case r.Method == "POST" && strings.HasPrefix(r.URL.Path, "/v2/bot/user/all/richmenu/"):
		id = strings.TrimPrefix(r.URL.Path, "/v2/bot/user/all/richmenu/")
		if m, ok := f.menus[id]; !ok || m.Image == nil {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"message":"a rich menu without an image cannot be the default"}`)
			return
		}
		f.def = id
		io.WriteString(w, `{}`)
	default:
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"message":"not here"}`)
	}
}

func (f *fakeRichMenus) serveData(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.dataPaths = append(f.dataPaths, r.Method+" "+r.URL.Path)
	f.auth = append(f.auth, r.Header.Get("Authorization"))
	id, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/v2/bot/richmenu/"), "/content")
	m, known := f.menus[id]
	if r.Method != "POST" || !ok || !known {
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"message":"not found"}`)
		return
	}
	m.Image, _ = io.ReadAll(r.Body)
	m.Type = r.Header.Get("Content-Type")
	f.menus[id] = m
	io.WriteString(w, `{}`)
}

func (f *fakeRichMenus) ours() map[string]fakeMenu {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]fakeMenu{}
	for id, m := range f.menus {
		if m.Name == RichMenuName {
			out[id] = m
		}
	}
	return out
}

// cjkFont returns the system's CJK font, skipping the test without one
// unless the test must run (CI).
func cjkFont(t *testing.T) string {
	p, err := FindCJKFont()
	if errors.Is(err, ErrNoCJKFont) {
		if os.Getenv("CI") == "true" || os.Getenv("ALSBOT_BROWSER_TEST") == "require" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRichMenuIsDrawnAndInstalled: the command draws the menu in Go with
// Japanese labels, creates it through the real SDK client, uploads the
// image to the data host (not the API host), sets it as the default, and
// run again replaces its own menu, leaving a menu made in the console.
func TestRichMenuIsDrawnAndInstalled(t *testing.T) {
	img, err := DrawRichMenu(DefaultMenu, cjkFont(t))
	if err != nil {
		t.Fatal(err)
	}
	decoded, err := png.Decode(bytes.NewReader(img))
	if err != nil {
		t.Fatal(err)
	}
	b := decoded.Bounds()
	if err := checkMenuImage(b.Dx(), b.Dy(), len(img)); err != nil {
		t.Fatal(err)
	}
	// Every button has its label drawn: light letters on its dark box.
	for i := range DefaultMenu {
		if n := lightPixels(decoded, image.Rect(i*b.Dx()/len(DefaultMenu)+40, 100, (i+1)*b.Dx()/len(DefaultMenu)-40, b.Dy()-100)); n < 2000 {
			t.Errorf("button %d (%s) has %d light pixels: its label was not drawn", i, DefaultMenu[i].Label, n)
		}
	}

	f := newFakeRichMenus(t)
	cfg := RichMenuConfig{ChannelToken: testToken, APIBase: f.api.URL, DataBase: f.data.URL}
	first, err := InstallRichMenu(context.Background(), cfg, DefaultMenu, img)
	if err != nil {
		t.Fatal(err)
	}
	m := f.ours()[first]
	if f.def != first || !bytes.Equal(m.Image, img) || m.Type != "image/png" {
		t.Fatalf("default %q (want %q), image of %d bytes (%q) uploaded; want the drawn PNG", f.def, first, len(m.Image), m.Type)
	}
	if m.Size != [2]int{b.Dx(), b.Dy()} || len(m.Action) != len(DefaultMenu) {
		t.Fatalf("menu of size %v with %d areas; want the image's size and %d areas", m.Size, len(m.Action), len(DefaultMenu))
	}
	for i, a := range m.Action {
		if a["type"] != "postback" || a["data"] != DefaultMenu[i].Data {
			t.Errorf("area %d: %v; want a postback of %q", i, a, DefaultMenu[i].Data)
		}
	}
	if len(f.dataPaths) != 1 || f.dataPaths[0] != "POST /v2/bot/richmenu/"+first+"/content" {
		t.Errorf("the data host got %v; want the one image upload", f.dataPaths)
	}
	for _, a := range f.auth {
		if a != "Bearer "+testToken {
			t.Errorf("a call authorized with %q", a)
		}
	}

	second, err := InstallRichMenu(context.Background(), cfg, DefaultMenu, img)
	if err != nil {
		t.Fatal(err)
	}
	if ours := f.ours(); len(ours) != 1 || f.def != second || second == first {
		t.Errorf("after a second run: our menus %v, default %q; want only the new one, %q, as default", ours, f.def, second)
	}
	if _, ok := f.menus["richmenu-console"]; !ok {
		t.Error("the menu made in LINE's console was deleted")
	}
}

func lightPixels(img image.Image, r image.Rectangle) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y += 2 {
		for x := r.Min.X; x < r.Max.X; x += 2 {
			if c, _, _, _ := img.At(x, y).RGBA(); c > 0xe000 {
				n++
			}
		}
	}
	return n
}

// TestRichMenuRefusesWhatLINERejects: a wrong image is refused before
// anything is created.
func TestRichMenuRefusesWhatLINERejects(t *testing.T) {
	f := newFakeRichMenus(t)
	cfg := RichMenuConfig{ChannelToken: testToken, APIBase: f.api.URL, DataBase: f.data.URL}
	square := image.NewRGBA(image.Rect(0, 0, 1000, 1000))
	var buf bytes.Buffer
	png.Encode(&buf, square)
	for name, img := range map[string][]byte{"square": buf.Bytes(), "not an image": []byte("GIF89a")} {
		if _, err := InstallRichMenu(context.Background(), cfg, DefaultMenu, img); err == nil {
			t.Errorf("%s: installed", name)
		}
	}
	if len(f.ours()) != 0 || len(f.apiPaths) != 0 {
		t.Errorf("calls made for a refused image: %v", f.apiPaths)
	}
}

// TestRichMenuButtonsAreAnswered: each button's postback, sent through
// the handler, gets its reply: the topic menu, the emergency guidance
// with a one-tap call to 119, and what the bot is.
func TestRichMenuButtonsAreAnswered(t *testing.T) {
	for _, b := range DefaultMenu {
		t.Run(b.Data, func(t *testing.T) {
			hs := newHarness(t)
			hs.post(t, webhookBody(postbackEvent("01HRM"+b.Data, userSource(patientID), b.Data)))
			hs.finish(t)
			d := hs.line.delivered()
			if len(d) != 1 || len(d[0].Req.Messages) == 0 {
				t.Fatalf("%d replies: %s", len(d), describe(hs.line.Calls()))
			}
			q := hs.asker.questions()[0]
			msgs := d[0].Req.Messages
			last := msgs[len(msgs)-1]
			switch b.Data {
			case "ask=menu":
				if q.Kind != bot.AskMenu || len(last.quick()) < 3 {
					t.Errorf("asked %q; %d quick replies, want the topic menu", q.Kind, len(last.quick()))
				}
			case "rule=emergency":
				if q.Kind != bot.AskRule || !strings.Contains(msgs[0].Text, "119") || !hasURI(last.quick(), "tel:119") {
					t.Errorf("asked %q %q; reply %q with %v; want the emergency guidance and a tel:119 button", q.Kind, q.Rule, msgs[0].Text, last.quick())
				}
			case "ask=about":
				if q.Kind != bot.AskAbout || !strings.Contains(msgs[0].Text, "119") {
					t.Errorf("asked %q; reply %q; want what the bot is", q.Kind, msgs[0].Text)
				}
			default:
				t.Fatalf("no check for the button %q", b.Data)
			}
		})
	}
}

func hasURI(actions []sentAction, uri string) bool {
	for _, a := range actions {
		if a.Type == "uri" && a.URI == uri {
			return true
		}
	}
	return false
}

// TestStaffButtonOffersAPerson: with a handoff, the fourth button asks
// for a person, in words the "asking for a person" rule reads; four
// labels fit the image.
func TestStaffButtonOffersAPerson(t *testing.T) {
	hs := newHarness(t)
	hs.post(t, webhookBody(postbackEvent("01HSTAFF", userSource(patientID), StaffButton.Data)))
	hs.finish(t)
	q := hs.asker.questions()
	if len(q) != 1 || q[0].Text != "スタッフに相談したい" {
		t.Fatalf("asked %+v", q)
	}
	if r := hs.asker.Bot.Ask(context.Background(), q[0]); r.Rule != "human" {
		t.Errorf("the staff button gets %s %q, want the rule asking for a person", r.Kind, r.Rule)
	}
	if _, err := DrawRichMenu(append(append([]MenuButton(nil), DefaultMenu...), StaffButton), cjkFont(t)); err != nil {
		t.Error(err)
	}
}
