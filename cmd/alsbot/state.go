package main

import (
	"fmt"
	"os"
	"path/filepath"
)

// envStateDir names the directory the server keeps its files in.
const envStateDir = "ALSBOT_STATE_DIR"

// stateDir is where the server's files go (the outbox, the misses
// database), never the working directory: ALSBOT_STATE_DIR, else
// $XDG_STATE_HOME/alsbot, else ~/.local/state/alsbot.
func stateDir(getenv func(string) string) string {
	if d := getenv(envStateDir); d != "" {
		return d
	}
	if d := getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "alsbot")
	}
	if home := getenv("HOME"); home != "" {
		return filepath.Join(home, ".local", "state", "alsbot")
	}
	return filepath.Join(os.TempDir(), "alsbot")
}

// ensureDir creates dir, readable by its owner alone, if it is missing.
func ensureDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("the state directory: %w", err)
	}
	return nil
}
