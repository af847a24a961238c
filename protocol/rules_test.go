package protocol

import (
	"errors"
	"testing"

	"livedash/models"
)

func TestHistoryLimit(t *testing.T) {
	tests := []struct {
		name  string
		limit int64
		given bool
		want  int // 0: refused
	}{
		{"not given is the default", 0, false, models.DefaultHistoryLimit},
		{"not given ignores the value", 5000, false, models.DefaultHistoryLimit},
		{"one", 1, true, 1},
		{"the maximum", models.MaxHistoryLimit, true, models.MaxHistoryLimit},
		{"an explicit zero", 0, true, 0},
		{"negative", -1, true, 0},
		{"above the maximum", models.MaxHistoryLimit + 1, true, 0},
		{"far above the maximum", 1 << 40, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := HistoryLimit(tt.limit, tt.given)
			if tt.want == 0 {
				requireInvalid(t, err, "limit")
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("HistoryLimit(%d, %t) = %d, %v; want %d", tt.limit, tt.given, got, err, tt.want)
			}
		})
	}
}

func TestParseID(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want int64 // 0: refused
	}{
		{"one", "1", 1},
		{"the largest", "9223372036854775807", 9223372036854775807},
		{"zero", "0", 0},
		{"negative", "-4", 0},
		{"empty", "", 0},
		{"a word", "seven", 0},
		{"a fraction", "1.5", 0},
		{"over int64", "9223372036854775808", 0},
		{"with a space", " 1", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseID(tt.in)
			if tt.want == 0 {
				requireInvalid(t, err, "id")
				// One rule: the error is CheckID's, word for word.
				if want := models.CheckID(0); err.Error() != want.Error() {
					t.Fatalf("ParseID(%q) = %v, want CheckID's %v", tt.in, err, want)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseID(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
			}
		})
	}
}

// requireInvalid fails unless err is an invalid *models.Error naming field.
func requireInvalid(tb testing.TB, err error, field string) {
	tb.Helper()
	var e *models.Error
	if !errors.As(err, &e) || e.Code != models.CodeInvalid || e.Field != field || e.Message == "" {
		tb.Fatalf("got %v, want invalid naming %s", err, field)
	}
}
