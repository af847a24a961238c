package apptest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"livedash/models"
)

// Do sends a REST request with an optional JSON body and returns the status
// and the raw body.
func (s *Server) Do(tb testing.TB, method, path string, body any, header http.Header) (int, []byte) {
	tb.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = bytes.NewReader([]byte(b))
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			tb.Fatalf("encode body: %v", err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		tb.Fatalf("request: %v", err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("read body: %v", err)
	}
	return resp.StatusCode, raw
}

// MustJSON does a request, requires the status, and decodes the body into out.
func (s *Server) MustJSON(tb testing.TB, method, path string, body any, wantStatus int, out any) {
	tb.Helper()
	status, raw := s.Do(tb, method, path, body, nil)
	if status != wantStatus {
		tb.Fatalf("%s %s: status %d, want %d: %s", method, path, status, wantStatus, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			tb.Fatalf("%s %s: decode %s: %v", method, path, raw, err)
		}
	}
}

// State is GET /api/state.
func (s *Server) State(tb testing.TB) models.State {
	tb.Helper()
	var st models.State
	s.MustJSON(tb, http.MethodGet, "/api/state", nil, http.StatusOK, &st)
	return st
}
