package app_test

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"livedash/app"
	"livedash/app/apptest"
	"livedash/models"
	"livedash/public"
)

// misspellings are the spellings of an exact path that must not reach it:
// upper case, title case, and a trailing slash.
func misspellings(path string) []string {
	title := []byte(path)
	for i := 0; i+1 < len(title); i++ {
		if title[i] == '/' {
			r, _ := utf8.DecodeRune(title[i+1:])
			if r < utf8.RuneSelf {
				title[i+1] = byte(unicode.ToUpper(r))
			}
		}
	}
	var out []string
	for _, p := range []string{strings.ToUpper(path), string(title), path + "/", strings.ToUpper(path) + "/"} {
		if p != path && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// requireNoSuchPath fails unless the answer is the router's JSON 404.
func requireNoSuchPath(tb testing.TB, srv *apptest.Server, method, path string) {
	tb.Helper()
	body := ""
	if method != http.MethodGet {
		body = "{}"
	}
	req := fmt.Sprintf("%s %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
		method, path, srv.Addr, len(body), body)
	resp, raw := rawExchange(tb, srv.Addr, []byte(req))
	if resp.StatusCode != http.StatusNotFound {
		tb.Fatalf("%s %s: %d %.200s, want the JSON 404", method, path, resp.StatusCode, raw)
	}
	requireErrorResponse(tb, resp, raw, http.StatusNotFound, models.CodeNotFound, "")
}

// freshID creates a record for a path with an :id and returns its id.
func freshID(tb testing.TB, srv *apptest.Server, path string, n int) string {
	tb.Helper()
	var rec struct {
		ID int64 `json:"id"`
	}
	switch {
	case strings.HasPrefix(path, "/api/items/"):
		srv.MustJSON(tb, http.MethodPost, "/api/items", map[string]any{"name": fmt.Sprintf("path %d", n)}, http.StatusCreated, &rec)
	case strings.HasPrefix(path, "/api/scores/"):
		srv.MustJSON(tb, http.MethodPost, "/api/scores", map[string]any{"player": fmt.Sprintf("path %d", n)}, http.StatusCreated, &rec)
	default:
		tb.Fatalf("no record kind for %s", path)
	}
	return fmt.Sprint(rec.ID)
}

// TestRoutesAreExact walks the whole route table: each route answers at its
// exact path, and its upper-case, title-case and trailing-slash spellings
// are the JSON 404 and change nothing (a proxy rule such as
// `location = /metrics` cannot be passed by another spelling).
func TestRoutesAreExact(t *testing.T) {
	srv := apptest.MustStartServer(t)
	routes := app.Routes()
	if len(routes) < 10 {
		t.Fatalf("the route table has %d routes", len(routes))
	}
	for i, r := range routes {
		t.Run(r.Method+" "+r.Path, func(t *testing.T) {
			path := r.Path
			if strings.Contains(path, ":id") {
				path = strings.ReplaceAll(path, ":id", freshID(t, srv, path, i))
			}
			seq := srv.State(t).Seq
			for _, p := range misspellings(path) {
				requireNoSuchPath(t, srv, r.Method, p)
			}
			if got := srv.State(t).Seq; got != seq {
				t.Fatalf("a misspelled path changed data: seq %d -> %d", seq, got)
			}
			body := any(nil)
			if r.Method != http.MethodGet {
				body = "{}"
			}
			status, raw := srv.Do(t, r.Method, path, body, nil)
			if status == http.StatusNotFound || status == http.StatusMethodNotAllowed {
				t.Fatalf("%s %s: %d %s, want the route's own answer", r.Method, path, status, raw)
			}
		})
	}
}

// TestStaticFilesAreExact: every embedded file of the page is served at its
// exact path only; folders are never listed, with or without a slash.
func TestStaticFilesAreExact(t *testing.T) {
	srv := apptest.MustStartServer(t)
	var files, dirs []string
	err := fs.WalkDir(public.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case p == ".":
		case d.IsDir():
			dirs = append(dirs, "/"+p)
		default:
			files = append(files, "/"+p)
		}
		return nil
	})
	if err != nil || len(files) < 5 || len(dirs) < 2 {
		t.Fatalf("walk the page's files: %d files, %d folders, %v", len(files), len(dirs), err)
	}
	for _, p := range append([]string{"/"}, files...) {
		t.Run(p, func(t *testing.T) {
			status, raw := srv.Do(t, http.MethodGet, p, nil, nil)
			if status != http.StatusOK {
				t.Fatalf("GET %s: %d %.200s", p, status, raw)
			}
			if p == "/" {
				return
			}
			for _, m := range misspellings(p) {
				requireNoSuchPath(t, srv, http.MethodGet, m)
			}
		})
	}
	for _, d := range dirs {
		t.Run(d, func(t *testing.T) {
			for _, p := range []string{d, d + "/"} {
				status, raw := srv.Do(t, http.MethodGet, p, nil, nil)
				var body struct {
					Error *models.Error `json:"error"`
				}
				if status != http.StatusNotFound || json.Unmarshal(raw, &body) != nil || body.Error == nil || body.Error.Code != models.CodeNotFound {
					t.Fatalf("GET %s: %d %.200s, want a JSON 404", p, status, raw)
				}
			}
		})
	}
}
