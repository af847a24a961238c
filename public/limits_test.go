package public_test

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"

	"livedash/public"
)

// The page takes every field limit from GET /api/limits: no copy of one may
// hide in its markup or scripts, where it would go stale.
func TestPageHasNoLimitCopies(t *testing.T) {
	limit := regexp.MustCompile(`\b(40|64|200|2000)\b`)
	err := fs.WalkDir(public.FS(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(path, ".js") || strings.HasSuffix(path, ".html")) {
			return err
		}
		b, err := fs.ReadFile(public.FS(), path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(b), "\n") {
			line = strings.ReplaceAll(line, "http://www.w3.org/2000/svg", "")
			if strings.Contains(line, `<path d=`) || strings.Contains(line, `viewBox=`) {
				continue // icon geometry
			}
			if m := limit.FindString(line); m != "" {
				t.Errorf("%s:%d: %q looks like a copy of a server limit: %s", path, i+1, m, strings.TrimSpace(line))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
