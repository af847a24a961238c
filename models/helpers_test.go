package models

import (
	"errors"
	"testing"
)

func ptr[T any](v T) *T { return &v }

func wantError(tb testing.TB, err error, code Code, field string) *Error {
	tb.Helper()
	var e *Error
	if !errors.As(err, &e) {
		tb.Fatalf("error = %v (%T), want *Error with code %s", err, err, code)
	}
	if e.Code != code || e.Field != field || e.Message == "" {
		tb.Fatalf("error = %+v, want code %q field %q and a message", e, code, field)
	}
	return e
}
