package models

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// fuzzTargets are the mutation types a client can send; the fuzzer's first
// argument picks one, so one corpus covers them all.
var fuzzTargets = []func() Mutation{
	func() Mutation { return &CreateItem{} },
	func() Mutation { return &UpdateItem{} },
	func() Mutation { return &DeleteItem{} },
	func() Mutation { return &CreateScore{} },
	func() Mutation { return &UpdateScore{} },
	func() Mutation { return &IncrementScore{} },
	func() Mutation { return &DeleteScore{} },
	func() Mutation { return &ResetDemo{} },
}

// FuzzDecodeJSON feeds arbitrary bytes through the same path as WebSocket
// data and REST bodies: decode, then validate. Whatever passes both must obey
// the contract's rules, since the store trusts validated mutations.
func FuzzDecodeJSON(f *testing.F) {
	f.Fuzz(func(t *testing.T, target uint8, raw []byte) {
		m := fuzzTargets[int(target)%len(fuzzTargets)]()
		derr := DecodeJSON(raw, m)
		if derr == nil && json.Valid(raw) {
			if err := strictViolation(raw); err != nil {
				t.Fatalf("DecodeJSON accepted %+q, which %v", raw, err)
			}
		}
		if derr == nil && !utf8.Valid(raw) {
			t.Fatalf("DecodeJSON accepted %+q, which is not UTF-8", raw)
		}
		if derr != nil {
			if derr.Code != CodeBadRequest || derr.Message == "" {
				t.Fatalf("DecodeJSON error = %+v, want bad_request with a message", derr)
			}
			return
		}
		if err := m.Validate(); err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Code != CodeInvalid || e.Field == "" || e.Message == "" {
				t.Fatalf("Validate error = %#v, want *Error invalid naming a field", err)
			}
			return
		}
		checkRules(t, m)
		// Validation normalises; a second pass must accept its own output
		// unchanged, or a stored value could fail validation on its way back.
		before := reflect.ValueOf(m).Elem().Interface()
		if err := m.Validate(); err != nil {
			t.Fatalf("second Validate of %+v: %v", m, err)
		}
		if after := reflect.ValueOf(m).Elem().Interface(); !reflect.DeepEqual(before, after) {
			t.Fatalf("Validate is not idempotent: %+v then %+v", before, after)
		}
	})
}

func checkRules(t *testing.T, m Mutation) {
	t.Helper()
	text := func(field, v string, min, max int) {
		if v != strings.TrimSpace(v) {
			t.Fatalf("%s %q passed validation untrimmed", field, v)
		}
		if n := utf8.RuneCountInString(v); n < min || n > max {
			t.Fatalf("%s %q has %d characters, want %d..%d", field, v, n, min, max)
		}
		if !utf8.ValidString(v) || !norm.NFC.IsNormalString(v) {
			t.Fatalf("%s %+q passed validation but is not NFC UTF-8", field, v)
		}
		for _, r := range v {
			if unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r) {
				t.Fatalf("%s %+q passed validation with U+%04X", field, v, r)
			}
		}
		// A key is NFC, and the same for every canonically equal spelling.
		if k := PlayerKey(v); !utf8.ValidString(k) || !norm.NFC.IsNormalString(k) || PlayerKey(norm.NFD.String(v)) != k {
			t.Fatalf("key of %+q is %+q, which is not an NFC key shared with its NFD spelling", v, k)
		}
	}
	desc := func(v string) {
		if n := utf8.RuneCountInString(v); n > MaxItemDescription {
			t.Fatalf("description has %d characters", n)
		}
		for _, r := range v {
			if unicode.Is(unicode.Cc, r) && r != '\t' && r != '\n' && r != '\r' {
				t.Fatalf("description %+q passed validation with U+%04X", v, r)
			}
		}
	}
	id := func(v int64) {
		if v <= 0 {
			t.Fatalf("id %d passed validation", v)
		}
	}
	version := func(v *int64) {
		if v != nil && *v <= 0 {
			t.Fatalf("version %d passed validation", *v)
		}
	}
	switch m := m.(type) {
	case *CreateItem:
		text("name", m.Name, 1, MaxItemName)
		desc(m.Description)
	case *UpdateItem:
		id(m.ID)
		version(m.Version)
		if m.Name == nil && m.Description == nil {
			t.Fatal("update with nothing to change passed validation")
		}
		if m.Name != nil {
			text("name", *m.Name, 1, MaxItemName)
		}
		if m.Description != nil {
			desc(*m.Description)
		}
	case *DeleteItem:
		id(m.ID)
		version(m.Version)
	case *CreateScore:
		text("player", m.Player, 1, MaxPlayer)
	case *UpdateScore:
		id(m.ID)
		version(m.Version)
		if m.Player == nil && m.Points == nil {
			t.Fatal("update with nothing to change passed validation")
		}
		if m.Player != nil {
			text("player", *m.Player, 1, MaxPlayer)
		}
	case *IncrementScore:
		id(m.ID)
		if m.By == 0 {
			t.Fatal("increment by 0 passed validation")
		}
	case *DeleteScore:
		id(m.ID)
		version(m.Version)
	case *ResetDemo:
	default:
		t.Fatalf("no rules for %T", m)
	}
}
