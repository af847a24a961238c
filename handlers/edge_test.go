package handlers

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"livedash/metrics"
	"livedash/models"
	"livedash/protocol"
)

func TestOriginAllowed(t *testing.T) {
	tests := []struct {
		name    string
		allowed []string
		origin  string
		host    string
		want    bool
	}{
		{"own host", nil, "http://dash.example:3000", "dash.example:3000", true},
		{"own host in other case", nil, "http://DASH.example:3000", "dash.example:3000", true},
		{"own name on another port", nil, "http://dash.example:4000", "dash.example:3000", false},
		{"localhost on any port", nil, "http://localhost:5173", "dash.example", true},
		{"loopback IPv4", nil, "http://127.0.0.1:8080", "dash.example", true},
		{"loopback IPv6", nil, "http://[::1]:8080", "dash.example", true},
		{"foreign site", nil, "https://evil.example", "dash.example", false},
		{"foreign site named like localhost", nil, "http://localhost.evil.example", "dash.example", false},
		{"configured origin", []string{"https://board.example"}, "https://BOARD.example", "dash.example", true},
		{"configured origin is exact", []string{"https://board.example"}, "https://board.example:444", "dash.example", false},
		{"star allows any", []string{"*"}, "https://evil.example", "dash.example", true},
		{"null origin", nil, "null", "dash.example", false},
		{"no host in origin", nil, "file://", "dash.example", false},
		{"not a URL", nil, "http://%zz", "dash.example", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := OriginAllowed(tt.allowed, tt.origin, tt.host); got != tt.want {
				t.Errorf("OriginAllowed(%q, %q, %q) = %v, want %v", tt.allowed, tt.origin, tt.host, got, tt.want)
			}
		})
	}
}

// edgeApp is a fiber app with the edge middleware in front of handlers
// that answer 200, and the server's error handler.
func edgeApp(tb testing.TB, limit int64) *fiber.App {
	tb.Helper()
	m := metrics.New(func() int { return 0 }, func() int64 { return 0 })
	app := fiber.New(fiber.Config{DisableStartupMessage: true, ErrorHandler: ErrorHandler(slog.New(slog.DiscardHandler), m)})
	app.Use(SecurityHeaders, SameOrigin(nil), LimitBody(limit))
	ok := func(c *fiber.Ctx) error { return c.SendString("ok") }
	app.Get("/r", ok)
	app.Post("/r", ok)
	app.Delete("/r", ok)
	return app
}

// errorCode is the contract's error code of a reply, or "" for a success.
func errorCode(tb testing.TB, resp *http.Response) models.Code {
	tb.Helper()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	if resp.StatusCode < 400 {
		return ""
	}
	var e struct {
		Error models.Error `json:"error"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		tb.Fatalf("status %d with a body that is not the JSON error: %q", resp.StatusCode, body)
	}
	if want := protocol.HTTPStatus(e.Error.Code); resp.StatusCode != want {
		tb.Errorf("code %s answered with %d, the table says %d", e.Error.Code, resp.StatusCode, want)
	}
	return e.Error.Code
}

func TestEdgeMiddleware(t *testing.T) {
	app := edgeApp(t, 16)
	tests := []struct {
		name    string
		method  string
		origin  string
		upgrade bool
		body    string
		want    models.Code
	}{
		{"read from a foreign page passes", http.MethodGet, "https://evil.example", false, "", ""},
		{"upgrade from a foreign page", http.MethodGet, "https://evil.example", true, "", protocol.CodeForbidden},
		{"upgrade from the own page", http.MethodGet, "http://example.com", true, "", ""},
		{"write from a foreign page", http.MethodPost, "https://evil.example", false, `{}`, protocol.CodeForbidden},
		{"delete from a foreign page", http.MethodDelete, "https://evil.example", false, "", protocol.CodeForbidden},
		{"write from a script (no Origin)", http.MethodPost, "", false, `{}`, ""},
		{"write from localhost", http.MethodPost, "http://localhost:3000", false, `{}`, ""},
		{"body at the limit", http.MethodPost, "", false, strings.Repeat("x", 16), ""},
		{"body over the limit", http.MethodPost, "", false, strings.Repeat("x", 17), protocol.CodeTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, "http://example.com/r", strings.NewReader(tt.body))
			if tt.origin != "" {
				req.Header.Set("Origin", tt.origin)
			}
			if tt.upgrade {
				req.Header.Set("Upgrade", "websocket")
				req.Header.Set("Connection", "Upgrade")
			}
			resp, err := app.Test(req, -1)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if got := errorCode(t, resp); got != tt.want {
				t.Errorf("got %q (status %d), want %q", got, resp.StatusCode, tt.want)
			}
		})
	}
}

func TestSecurityHeadersOnEveryReply(t *testing.T) {
	app := edgeApp(t, 16)
	for _, tt := range []struct{ name, method, origin string }{
		{"success", http.MethodGet, ""},
		{"refused by the Origin check", http.MethodPost, "https://evil.example"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, "http://example.com/r", nil)
			if tt.origin != "" {
				req.Header.Set("Origin", tt.origin)
			}
			resp, err := app.Test(req, -1)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			for header, want := range map[string]string{
				"Referrer-Policy":        "no-referrer",
				"X-Frame-Options":        "DENY",
				"X-Content-Type-Options": "nosniff",
			} {
				if got := resp.Header.Get(header); got != want {
					t.Errorf("%s = %q, want %q", header, got, want)
				}
			}
			if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
				t.Errorf("Content-Security-Policy = %q", csp)
			}
		})
	}
}

func TestBearerToken(t *testing.T) {
	tests := []struct {
		name, header, token string
		ok                  bool
	}{
		{"bearer", "Bearer s3cret", "s3cret", true},
		{"scheme in any case", "bEaReR s3cret", "s3cret", true},
		{"spaces around", "  Bearer   s3cret  ", "s3cret", true},
		{"no token", "Bearer ", "", false},
		{"scheme only", "Bearer", "", false},
		{"other scheme", "Basic czNjcmV0", "", false},
		{"empty", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token, ok := bearerToken(tt.header)
			if token != tt.token || ok != tt.ok {
				t.Errorf("bearerToken(%q) = %q, %v, want %q, %v", tt.header, token, ok, tt.token, tt.ok)
			}
		})
	}
}
