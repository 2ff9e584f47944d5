// Package seeds is the register of source documents: one YAML record per
// source, with the facts it supports. Every answer of the knowledge base
// cites records from here.
package seeds

import "embed"

// Files is the register that ships in the binary: the YAML files of this
// directory.
//
//go:embed *.yaml
var Files embed.FS
