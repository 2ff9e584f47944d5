package main

import (
	"errors"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"alsbot/adapters/line"
)

// TestLineRichMenuCommand: --out writes the drawn menu, a PNG LINE takes;
// without a token nothing is called and the error says what is missing.
func TestLineRichMenuCommand(t *testing.T) {
	if _, err := line.FindCJKFont(); errors.Is(err, line.ErrNoCJKFont) {
		if os.Getenv("ALSBOT_BROWSER_TEST") == "require" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	out := filepath.Join(t.TempDir(), "menu.png")
	if _, stderr, err := runCmd(t, "", nil, "line", "richmenu", "--out", out); err != nil {
		t.Fatalf("%v: %s", err, stderr)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := png.DecodeConfig(f)
	if err != nil || c.Width != 2500 || c.Height != 843 {
		t.Errorf("wrote %dx%d (%v), want a 2500x843 PNG", c.Width, c.Height, err)
	}
	if _, _, err := runCmd(t, "", nil, "line", "richmenu"); err == nil || !strings.Contains(err.Error(), "LINE_CHANNEL_ACCESS_TOKEN") {
		t.Errorf("without a token: %v; want an error naming LINE_CHANNEL_ACCESS_TOKEN", err)
	}
}
