// Package public holds the browser dashboard, embedded into the binary.
package public

import (
	"embed"
	"io/fs"
)

//go:embed index.html favicon.svg css js vendor
var files embed.FS

// FS returns the dashboard's files (index.html at the root).
func FS() fs.FS {
	return files
}
