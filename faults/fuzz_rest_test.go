package faults

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"livedash/app/apptest"
	"livedash/models"
	"livedash/protocol"
)

// fuzzRoutes are the REST routes that take a JSON body. Ids that exist and
// one that does not, so not_found is reachable too.
var fuzzRoutes = []struct {
	method, path string
	success      int
}{
	{http.MethodPost, "/api/items", http.StatusCreated},
	{http.MethodPatch, "/api/items/1", http.StatusOK},
	{http.MethodPatch, "/api/items/999999", http.StatusOK},
	{http.MethodPost, "/api/scores", http.StatusCreated},
	{http.MethodPatch, "/api/scores/2", http.StatusOK},
	{http.MethodPost, "/api/scores/3/increment", http.StatusOK},
	{http.MethodPost, "/api/scores/999999/increment", http.StatusOK},
}

// fuzzLimit is the server's body limit in the fuzz test, small so that
// bodies over it are cheap.
const fuzzLimit = 48 << 10

// The status of every REST body is one the contract lists, never a 5xx; a
// 4xx carries the contract's error body with the matching code; and only a
// 2xx changes anything, by exactly one event. The seed corpus is in
// testdata/fuzz/FuzzRESTBodies; `go test -fuzz=FuzzRESTBodies ./faults/`
// explores further.
func FuzzRESTBodies(f *testing.F) {
	srv := apptest.MustStartServer(f, "--read-limit", strconv.Itoa(fuzzLimit))
	// Inputs too big to keep as files.
	f.Add(uint8(0), []byte(`{"name":"`+strings.Repeat("x", fuzzLimit)+`"}`))
	f.Add(uint8(0), []byte(`{"name":"x","description":`+strings.Repeat("[", 20_000)+strings.Repeat("]", 20_000)+`}`))
	f.Add(uint8(4), []byte(strings.Repeat(`{"a":`, 12_000)+"1"+strings.Repeat("}", 12_000)))
	f.Fuzz(func(t *testing.T, route uint8, body []byte) {
		r := fuzzRoutes[int(route)%len(fuzzRoutes)]
		before := seqOf(t, srv)
		resp, raw, err := rawHTTP(srv.Addr, r.method, r.path, nil, body, false)
		if err != nil {
			t.Fatalf("%s %s: %v", r.method, r.path, err)
		}
		after := seqOf(t, srv)
		status := resp.StatusCode
		if status == r.success {
			var rec struct {
				ID      int64 `json:"id"`
				Version int64 `json:"version"`
			}
			if err := json.Unmarshal(raw, &rec); err != nil || rec.ID <= 0 || rec.Version <= 0 {
				t.Fatalf("%s %s: %d with %q, want a record", r.method, r.path, status, raw)
			}
			// Strict input: only UTF-8 bodies are applied, and nothing
			// is stored with U+FFFD the body did not spell.
			if !utf8.Valid(body) || spellsReplacement(raw) && !spellsReplacement(body) {
				t.Fatalf("%s %s: %d with %q for the body %q, which is not strict UTF-8 JSON", r.method, r.path, status, raw, truncate(body))
			}
			if after != before+1 || resp.Header.Get("X-Livedash-Seq") != strconv.FormatInt(after, 10) {
				t.Fatalf("%s %s: %d moved the seq %d -> %d (header %q), want +1",
					r.method, r.path, status, before, after, resp.Header.Get("X-Livedash-Seq"))
			}
			return
		}
		codes := map[int][]models.Code{
			http.StatusBadRequest:            {models.CodeBadRequest, models.CodeInvalid},
			http.StatusNotFound:              {models.CodeNotFound},
			http.StatusConflict:              {models.CodeConflict},
			http.StatusRequestEntityTooLarge: {protocol.CodeTooLarge},
		}[status]
		var e struct {
			Error *models.Error `json:"error"`
		}
		if codes == nil || json.Unmarshal(raw, &e) != nil || e.Error == nil || e.Error.Message == "" || !slices.Contains(codes, e.Error.Code) {
			t.Fatalf("%s %s with %q: %d %q; want %d or a 4xx error body of the contract",
				r.method, r.path, truncate(body), status, raw, r.success)
		}
		if after != before {
			t.Fatalf("%s %s: %d, yet the seq moved %d -> %d", r.method, r.path, status, before, after)
		}
	})
}

// seqOf is the server's last committed seq, from /healthz.
func seqOf(tb testing.TB, srv *apptest.Server) int64 {
	tb.Helper()
	var h struct{ Seq int64 }
	srv.MustJSON(tb, http.MethodGet, "/healthz", nil, http.StatusOK, &h)
	return h.Seq
}

func truncate(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + "..."
	}
	return string(b)
}

// spellsReplacement reports whether a JSON text writes U+FFFD, as UTF-8 or
// as the escape \ufffd in any case.
func spellsReplacement(body []byte) bool {
	return bytes.Contains(body, []byte("\uFFFD")) || bytes.Contains(bytes.ToLower(body), []byte(`\ufffd`))
}
