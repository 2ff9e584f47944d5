package knowledge

import "embed"

// Files is the knowledge base that ships in the binary: the YAML files of
// this directory.
//
//go:embed *.yaml
var Files embed.FS
