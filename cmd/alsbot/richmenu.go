package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"alsbot/adapters/line"
)

// runLine runs a LINE account command: for now, the rich menu.
func runLine(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "richmenu" {
		fmt.Fprint(stderr, "usage: alsbot line richmenu [--image FILE] [--font FILE] [--out FILE]\n")
		return errUsage
	}
	fs := flag.NewFlagSet("line richmenu", flag.ContinueOnError)
	image := fs.String("image", "", "use the clinic's own design, a PNG or JPEG `FILE` (2500×843 fits the three buttons), instead of drawing one")
	font := fs.String("font", "", "draw the labels in this font `FILE` (default: a CJK font found on the system)")
	out := fs.String("out", "", "write the image to `FILE` and stop, without calling LINE")
	if err := parse(fs, args[1:], stderr); err != nil {
		return err
	}
	buttons := line.DefaultMenu
	if getenv("ALSBOT_HANDOFF_CHANNEL") != "" {
		buttons = append(append([]line.MenuButton(nil), buttons...), line.StaffButton)
	}
	var img []byte
	var err error
	if *image != "" {
		img, err = os.ReadFile(*image)
	} else {
		if *font == "" {
			*font, err = line.FindCJKFont()
		}
		if err == nil {
			img, err = line.DrawRichMenu(buttons, *font)
		}
	}
	if err != nil {
		return err
	}
	if *out != "" {
		return os.WriteFile(*out, img, 0o644)
	}
	id, err := line.InstallRichMenu(ctx, line.RichMenuConfig{
		ChannelToken: getenv("LINE_CHANNEL_ACCESS_TOKEN"),
		APIBase:      getenv("LINE_API_BASE"),
		DataBase:     getenv("LINE_DATA_API_BASE"),
	}, buttons, img)
	if id != "" {
		fmt.Fprintf(stdout, "rich menu %s is the account's default\n", id)
	}
	return err
}
