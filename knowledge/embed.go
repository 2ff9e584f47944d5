package knowledge

import (
	"embed"

	"alsbot/seeds"
)

// Files is the knowledge base that ships in the binary: the YAML files of
// this directory.
//
//go:embed *.yaml
var Files embed.FS

// Shipped returns the knowledge base and the source register built into
// the binary, named as they are in the repository so that problems read
// knowledge/muse.yaml:42.
func Shipped() (kb, register Dir) {
	return Dir{FS: Files, Path: "knowledge"}, Dir{FS: seeds.Files, Path: "seeds"}
}

// LoadShipped loads and checks the knowledge base built into the binary.
func LoadShipped() (*KB, error) { return Load(Shipped()) }
