package handlers

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"livedash/internal/syncbuf"
	"livedash/metrics"
	"livedash/models"
	"livedash/protocol"
)

// serveErrors serves routes that fail with the given errors through
// ErrorHandler on a real socket, and returns its URL, log and metrics.
func serveErrors(tb testing.TB, errs map[string]error) (string, *syncbuf.Buffer, *metrics.Metrics) {
	tb.Helper()
	var logs syncbuf.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	m := metrics.New(func() int { return 0 }, func() int64 { return 0 })
	app := fiber.New(fiber.Config{DisableStartupMessage: true, ErrorHandler: ErrorHandler(log, m)})
	for path, err := range errs {
		app.Get(path, func(*fiber.Ctx) error { return err })
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- app.Listener(ln) }()
	tb.Cleanup(func() {
		if err := app.Shutdown(); err != nil {
			tb.Errorf("shutdown: %v", err)
		}
		<-done
	})
	return "http://" + ln.Addr().String(), &logs, m
}

// errorsCounted is livedash_errors_total for code.
func errorsCounted(tb testing.TB, m *metrics.Metrics, code models.Code) float64 {
	tb.Helper()
	families, err := m.Registry.Gather()
	if err != nil {
		tb.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "livedash_errors_total" {
			continue
		}
		for _, s := range f.GetMetric() {
			for _, l := range s.GetLabel() {
				if l.GetName() == "code" && l.GetValue() == string(code) {
					return s.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

// Every error a route returns becomes the contract's body with the status
// of its code; whatever ends as internal is logged with the request and
// the cause, and its message reveals nothing.
func TestErrorHandler(t *testing.T) {
	cases := []struct {
		name   string
		err    error
		status int
		code   models.Code
		logged bool
	}{
		{"a domain error", models.Errorf(models.CodeConflict, "version", "at version 2"), http.StatusConflict, models.CodeConflict, false},
		{"unauthorized", models.Errorf(protocol.CodeUnauthorized, "", "token"), http.StatusUnauthorized, protocol.CodeUnauthorized, false},
		{"the framework's 403", fiber.ErrForbidden, http.StatusForbidden, protocol.CodeForbidden, false},
		{"the framework's 405", fiber.ErrMethodNotAllowed, http.StatusMethodNotAllowed, protocol.CodeMethodNotAllowed, false},
		{"the framework's 408", fiber.ErrRequestTimeout, http.StatusRequestTimeout, protocol.CodeRequestTimeout, false},
		{"the framework's 431", fiber.ErrRequestHeaderFieldsTooLarge, http.StatusRequestHeaderFieldsTooLarge, protocol.CodeHeadersTooLarge, false},
		{"another client error", fiber.ErrTeapot, http.StatusBadRequest, models.CodeBadRequest, false},
		{"a refused upgrade", fiber.ErrUpgradeRequired, http.StatusBadRequest, models.CodeBadRequest, false},
		{"the framework's 502", fiber.ErrBadGateway, http.StatusInternalServerError, models.CodeInternal, true},
		{"a plain error", errors.New("disk on fire"), http.StatusInternalServerError, models.CodeInternal, true},
		{"an internal domain error", models.Errorf(models.CodeInternal, "", "stopping"), http.StatusInternalServerError, models.CodeInternal, true},
	}
	errs := map[string]error{}
	for i, tc := range cases {
		errs["/"+string(rune('a'+i))] = tc.err
	}
	url, logs, m := serveErrors(t, errs)
	const secretClient = "cl13ntS3cretNeverLogged"
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := "/" + string(rune('a'+i))
			before := logs.String()
			counted := errorsCounted(t, m, tc.code)
			// The logged URL keeps the path and masks the client id.
			resp, err := http.Get(url + path + "?client=" + secretClient)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var body struct{ Error *models.Error }
			if err := json.Unmarshal(raw, &body); err != nil || body.Error == nil {
				t.Fatalf("body %s: %v", raw, err)
			}
			if resp.StatusCode != tc.status || body.Error.Code != tc.code || body.Error.Message == "" {
				t.Fatalf("%d %s, want %d %s", resp.StatusCode, raw, tc.status, tc.code)
			}
			if resp.Header.Get("Content-Security-Policy") == "" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Fatalf("no security headers: %v", resp.Header)
			}
			if got := resp.Header.Get("WWW-Authenticate"); (tc.status == http.StatusUnauthorized) != (got == "Bearer") {
				t.Fatalf("WWW-Authenticate %q on %d", got, tc.status)
			}
			if errorsCounted(t, m, tc.code) != counted+1 {
				t.Fatalf("livedash_errors_total{code=%q} was not counted", tc.code)
			}
			line := strings.TrimPrefix(logs.String(), before)
			wantLine := strings.Contains(line, `msg="request failed"`) && strings.Contains(line, "method=GET") &&
				strings.Contains(line, `url="`+path+`?client=xxxxx"`) && strings.Contains(line, "err=")
			if wantLine != tc.logged {
				t.Fatalf("logged %q, want a request failed line: %v", line, tc.logged)
			}
			if strings.Contains(line, secretClient) {
				t.Fatalf("the log holds the client id: %s", line)
			}
			if tc.code == models.CodeInternal && strings.Contains(string(raw), "fire") {
				t.Fatalf("the message reveals the cause: %s", raw)
			}
		})
	}
}
