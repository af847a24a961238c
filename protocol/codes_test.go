package protocol

import (
	"testing"

	"livedash/models"
)

// Every code maps to the status and close docs/PROTOCOL.md gives it, and
// a code outside the table is answered as internal.
func TestCodeTable(t *testing.T) {
	tests := []struct {
		code   models.Code
		status int
		close  int
	}{
		{models.CodeBadRequest, 400, 0},
		{CodeUnknownType, 400, 0},
		{models.CodeInvalid, 400, 0},
		{models.CodeNotFound, 404, 0},
		{models.CodeConflict, 409, 0},
		{CodeTooLarge, 413, 1009},
		{CodeRateLimited, 429, 0},
		{CodeUnauthorized, 401, 0},
		{CodeForbidden, 403, 0},
		{CodeMethodNotAllowed, 405, 0},
		{CodeRequestTimeout, 408, 0},
		{CodeHeadersTooLarge, 431, 0},
		{models.CodeUnavailable, 503, 0},
		{models.CodeInternal, 500, 0},
		{"no_such_code", 500, 0},
	}
	for _, tt := range tests {
		t.Run(string(tt.code), func(t *testing.T) {
			if got := HTTPStatus(tt.code); got != tt.status {
				t.Errorf("HTTPStatus = %d, want %d", got, tt.status)
			}
			if got := CloseAfter(tt.code); got != tt.close {
				t.Errorf("CloseAfter = %d, want %d", got, tt.close)
			}
		})
	}
	// The table above lists every code once, so a code added to Codes
	// without a line here fails.
	if got, want := len(Codes()), len(tests)-1; got != want {
		t.Errorf("Codes has %d rows, this test knows %d", got, want)
	}
}

// A caller that changes the slice Codes returned changes no one else's.
func TestCodesIsACopy(t *testing.T) {
	Codes()[0].Status = 200
	if got := HTTPStatus(Codes()[0].Code); got == 200 {
		t.Fatal("changing the slice Codes returned changed the table")
	}
}
