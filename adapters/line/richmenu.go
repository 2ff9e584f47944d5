package line

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// The rich menu: the few buttons at the bottom of the chat that people
// need without typing. Each button sends a postback the handler reads
// (see postbackQuestion).

// RichMenuName names the menus this command makes, so that it replaces
// its own and leaves a menu made in LINE's console alone.
const RichMenuName = "alsbot"

// Rich-menu image size: the width LINE recommends, one row of buttons.
const (
	richMenuWidth  = 2500
	richMenuHeight = 843
	maxMenuImage   = 1 << 20 // LINE's limit on the image, in bytes
)

// MenuButton is one button of the rich menu: its label on the image (a
// Japanese line and an English one) and the postback it sends.
type MenuButton struct {
	Label, Sub string
	Data       string // postback data
	Shown      string // what the chat shows the person sent
}

// DefaultMenu is the rich menu's buttons: the topic menu, what to do in
// an emergency, and what this bot is. With a handoff to the clinic's
// staff configured, a fourth button would ask for a person.
var DefaultMenu = []MenuButton{
	{Label: "よくある質問", Sub: "Questions", Data: "ask=menu", Shown: "よくある質問"},
	{Label: "緊急のとき", Sub: "Emergency 119", Data: "rule=emergency", Shown: "緊急のとき"},
	{Label: "このボットについて", Sub: "About", Data: "ask=about", Shown: "このボットについて"},
}

// StaffButton asks for a person: with a handoff configured, the rich
// menu's fourth button. Its postback is the question the "asking for a
// person" rule answers, which the handoff turns into its offer.
var StaffButton = MenuButton{Label: "スタッフに相談", Sub: "Ask the staff", Data: "q=" + url.QueryEscape("スタッフに相談したい"), Shown: "スタッフに相談したい"}

// fontPlaces are where Debian and other systems keep a CJK font.
var fontPlaces = []string{"/usr/share/fonts/opentype/noto", "/usr/share/fonts/truetype/noto", "/usr/share/fonts/noto-cjk", "/usr/share/fonts/google-noto-cjk", "/usr/share/fonts"}

// ErrNoCJKFont is returned when no font with Japanese glyphs is found.
var ErrNoCJKFont = errors.New("no font with Japanese letters found: install Debian's fonts-noto-cjk (apt-get install -y fonts-noto-cjk), or pass --font FILE or --image FILE")

// FindCJKFont returns a font file with Japanese glyphs: Noto Sans CJK
// where it is installed, else any font file whose name says CJK, JP or
// Japanese.
func FindCJKFont() (string, error) {
	var found []string
	for _, dir := range fontPlaces {
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			name := strings.ToLower(d.Name())
			if (strings.Contains(name, "cjk") || strings.Contains(name, "jp") || strings.Contains(name, "japanese")) &&
				(strings.HasSuffix(name, ".ttc") || strings.HasSuffix(name, ".otf") || strings.HasSuffix(name, ".ttf")) {
				found = append(found, p)
			}
			return nil
		})
	}
	for _, want := range []string{"notosanscjk-bold", "notosanscjk-regular", "notosanscjk", "sans"} {
		for _, p := range found {
			if strings.Contains(strings.ToLower(filepath.Base(p)), want) {
				return p, nil
			}
		}
	}
	if len(found) > 0 {
		return found[0], nil
	}
	return "", ErrNoCJKFont
}

// loadFont reads a font file (a single font or a collection) and returns
// its Japanese face when it has one.
func loadFont(path string) (*sfnt.Font, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	coll, err := opentype.ParseCollection(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var first *sfnt.Font
	for i := range coll.NumFonts() {
		f, err := coll.Font(i)
		if err != nil {
			continue
		}
		if first == nil {
			first = f
		}
		if name, err := f.Name(nil, sfnt.NameIDFamily); err == nil && strings.Contains(name, "JP") {
			return f, nil
		}
	}
	if first == nil {
		return nil, fmt.Errorf("%s: no font in the file", path)
	}
	return first, nil
}

// DrawRichMenu draws the rich menu's image: one row of buttons, each
// label centred in its own box, in the font at fontPath. It fails rather
// than draw a label the font has no letters for.
func DrawRichMenu(buttons []MenuButton, fontPath string) ([]byte, error) {
	if len(buttons) == 0 {
		return nil, errors.New("a rich menu needs at least one button")
	}
	f, err := loadFont(fontPath)
	if err != nil {
		return nil, err
	}
	for _, b := range buttons {
		for _, r := range b.Label + b.Sub {
			if r == ' ' {
				continue
			}
			if i, err := f.GlyphIndex(nil, r); err != nil || i == 0 {
				return nil, fmt.Errorf("%s has no letter %q for the label %q: %w", fontPath, r, b.Label, ErrNoCJKFont)
			}
		}
	}
	img := image.NewRGBA(image.Rect(0, 0, richMenuWidth, richMenuHeight))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.RGBA{0xfa, 0xfa, 0xfa, 0xff}), image.Point{}, draw.Src)
	w := richMenuWidth / len(buttons)
	colours := []color.RGBA{{0x0b, 0x5c, 0xad, 0xff}, {0xb0, 0x00, 0x20, 0xff}, {0x1f, 0x6f, 0x43, 0xff}, {0x5a, 0x3e, 0x8c, 0xff}}
	for i, b := range buttons {
		box := image.Rect(i*w+12, 12, (i+1)*w-12, richMenuHeight-12)
		draw.Draw(img, box, image.NewUniform(colours[i%len(colours)]), image.Point{}, draw.Src)
		if err := centre(img, f, box, b.Label, 120, box.Min.Y+box.Dy()/2); err != nil {
			return nil, err
		}
		if err := centre(img, f, box, b.Sub, 64, box.Min.Y+box.Dy()/2+150); err != nil {
			return nil, err
		}
	}
	var out bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&out, img); err != nil {
		return nil, err
	}
	if out.Len() > maxMenuImage {
		return nil, fmt.Errorf("the drawn image is %d bytes, over LINE's limit of %d", out.Len(), maxMenuImage)
	}
	return out.Bytes(), nil
}

// centre draws text in white, centred across box at baseline y, shrinking
// the size until it fits the box's width.
func centre(img draw.Image, f *sfnt.Font, box image.Rectangle, text string, size float64, y int) error {
	for ; size >= 24; size *= 0.9 {
		face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
		if err != nil {
			return err
		}
		d := &font.Drawer{Dst: img, Src: image.White, Face: face}
		width := d.MeasureString(text).Ceil()
		if width > box.Dx()-40 {
			continue
		}
		d.Dot = fixed.P(box.Min.X+(box.Dx()-width)/2, y)
		d.DrawString(text)
		return nil
	}
	return fmt.Errorf("the label %q does not fit its button", text)
}

// RichMenuConfig says where to install the rich menu.
type RichMenuConfig struct {
	ChannelToken string
	// APIBase is the Messaging API (LINE_API_BASE, default
	// https://api.line.me); DataBase is LINE's data host, where the image
	// goes (LINE_DATA_API_BASE, default https://api-data.line.me).
	APIBase, DataBase string
	HTTPClient        *http.Client
}

// InstallRichMenu makes the rich menu with image (PNG or JPEG) the
// account's default: it creates the menu, uploads the image, sets it as
// the default, and then deletes the menus it made before, so that running
// it again replaces its own menu and the chat is never left without one.
// It returns the new menu's id.
func InstallRichMenu(ctx context.Context, cfg RichMenuConfig, buttons []MenuButton, img []byte) (string, error) {
	if cfg.ChannelToken == "" {
		return "", errors.New("LINE_CHANNEL_ACCESS_TOKEN is not set")
	}
	if len(buttons) == 0 {
		return "", errors.New("a rich menu needs at least one button")
	}
	w, h, kind, err := imageSize(img)
	if err != nil {
		return "", err
	}
	if err := checkMenuImage(w, h, len(img)); err != nil {
		return "", err
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	base, data := cfg.APIBase, cfg.DataBase
	if base == "" {
		base = "https://api.line.me"
	}
	if data == "" {
		data = "https://api-data.line.me"
	}
	api, err := messaging_api.NewMessagingApiAPI(cfg.ChannelToken, messaging_api.WithEndpoint(base), messaging_api.WithHTTPClient(hc))
	if err != nil {
		return "", err
	}
	api.WithContext(ctx)
	blob, err := messaging_api.NewMessagingApiBlobAPI(cfg.ChannelToken, messaging_api.WithBlobEndpoint(data), messaging_api.WithBlobHTTPClient(hc))
	if err != nil {
		return "", err
	}
	blob.WithContext(ctx)

	old, err := api.GetRichMenuList()
	if err != nil {
		return "", fmt.Errorf("listing the rich menus: %w", err)
	}
	menu := messaging_api.RichMenuRequest{
		Size:        &messaging_api.RichMenuSize{Width: int64(w), Height: int64(h)},
		Selected:    true,
		Name:        RichMenuName,
		ChatBarText: "メニュー",
	}
	bw := w / len(buttons)
	for i, b := range buttons {
		menu.Areas = append(menu.Areas, messaging_api.RichMenuArea{
			Bounds: &messaging_api.RichMenuBounds{X: int64(i * bw), Y: 0, Width: int64(bw), Height: int64(h)},
			Action: &messaging_api.PostbackAction{Label: b.Label, Data: b.Data, DisplayText: b.Shown},
		})
	}
	if _, err := api.ValidateRichMenuObject(&menu); err != nil {
		return "", fmt.Errorf("LINE refused the rich menu: %w", err)
	}
	created, err := api.CreateRichMenu(&menu)
	if err != nil {
		return "", fmt.Errorf("creating the rich menu: %w", err)
	}
	id := created.RichMenuId
	if _, err := blob.SetRichMenuImage(id, kind, bytes.NewReader(img)); err != nil {
		api.DeleteRichMenu(id)
		return "", fmt.Errorf("uploading the rich menu's image: %w", err)
	}
	if _, err := api.SetDefaultRichMenu(id); err != nil {
		api.DeleteRichMenu(id)
		return "", fmt.Errorf("setting the rich menu as the default: %w", err)
	}
	var errs []error
	for _, m := range old.Richmenus {
		if m.Name == RichMenuName && m.RichMenuId != id {
			if _, err := api.DeleteRichMenu(m.RichMenuId); err != nil {
				errs = append(errs, fmt.Errorf("deleting the earlier menu %s: %w", m.RichMenuId, err))
			}
		}
	}
	return id, errors.Join(errs...)
}

// imageSize reads a PNG or JPEG's size and content type.
func imageSize(img []byte) (w, h int, kind string, err error) {
	c, format, err := image.DecodeConfig(bytes.NewReader(img))
	if err != nil {
		return 0, 0, "", fmt.Errorf("the rich menu's image is not a PNG or JPEG: %w", err)
	}
	switch format {
	case "png":
		kind = "image/png"
	case "jpeg":
		kind = "image/jpeg"
	default:
		return 0, 0, "", fmt.Errorf("the rich menu's image is %s: LINE takes PNG or JPEG", format)
	}
	return c.Width, c.Height, kind, nil
}

// checkMenuImage holds an image to LINE's rules for rich menus.
func checkMenuImage(w, h, size int) error {
	switch {
	case w < 800 || w > 2500:
		return fmt.Errorf("the rich menu's image is %d px wide: LINE takes 800 to 2500", w)
	case h < 250:
		return fmt.Errorf("the rich menu's image is %d px high: LINE takes at least 250", h)
	case float64(w)/float64(h) < 1.45:
		return fmt.Errorf("the rich menu's image is %d×%d: LINE wants it at least 1.45 times as wide as high", w, h)
	case size > maxMenuImage:
		return fmt.Errorf("the rich menu's image is %d bytes: LINE takes at most %d", size, maxMenuImage)
	}
	return nil
}
