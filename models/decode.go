package models

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// The strict input rule (contract: Strict input). Every JSON text a client
// sends — a REST body, a WebSocket frame, its data — is decoded by
// DecodeJSON, so the rule lives here once:
//
//  1. The whole text must be valid UTF-8, and every \u escape must stand for
//     a character: a surrogate escape (\ud800-\udfff) is allowed only as a
//     high one directly followed by a low one. Lenient decoders put U+FFFD in
//     place of what breaks this, so "x\ud800" and "x\udfff" would become one
//     request id, and a name would be stored other than as sent.
//  2. No object, at any depth, names a member twice. Under "last wins" a
//     proxy or log that reads the first member sees another request than the
//     one applied.
//  3. Member names are matched exactly: "NAME" is not "name". It is an
//     unknown member, and unknown members are ignored, so a required field
//     it was meant to fill is missing and fails as usual.
//
// Breaking 1 or 2 anywhere in the text, ignored members included, is
// bad_request; wrong JSON types are bad_request naming the field. Decoding
// is one streaming pass, so after an error dest may be partly filled: the
// caller drops it, and nothing is validated, stored or remembered.
//
// github.com/go-json-experiment/json enforces all three by default, in the
// same single pass that decodes. It is the module Go ships as
// encoding/json/v2, which Go 1.26 offers only under GOEXPERIMENT=jsonv2;
// once that is the default, the import path is the only change.

// DecodeJSON decodes the JSON text raw into dest under the strict input
// rule, mapping failures to the contract's codes. WebSocket frames, their
// data and REST bodies all use it.
func DecodeJSON(raw []byte, dest any) *Error {
	err := json.Unmarshal(raw, dest)
	if err == nil {
		return nil
	}
	var syn *jsontext.SyntacticError
	if errors.As(err, &syn) {
		return syntaxError(raw, syn)
	}
	var sem *json.SemanticError
	if errors.As(err, &sem) && sem.JSONPointer != "" {
		field := fieldOf(sem.JSONPointer)
		return Errorf(CodeBadRequest, field, "%s has the wrong JSON type or is out of range", field)
	}
	if errors.As(err, &sem) {
		return Errorf(CodeBadRequest, "", "expected a JSON object")
	}
	return Errorf(CodeBadRequest, "", "the JSON is not valid")
}

// ReadableString returns the string member name of the JSON object raw,
// for correlating an error about raw with the request it answers: ok only
// when raw is an object with exactly one member name, whose value is a
// string of 1 to max characters that keeps the strict input rule, however
// raw breaks the rule elsewhere. Not for anything that is stored.
func ReadableString(raw []byte, name string, max int) (string, bool) {
	dec := jsontext.NewDecoder(bytes.NewReader(raw), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '{' {
		return "", false
	}
	var value jsontext.Value
	seen := 0
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		if err != nil {
			return "", false
		}
		if tok.String() != name {
			if err := dec.SkipValue(); err != nil {
				return "", false
			}
			continue
		}
		seen++
		if value, err = dec.ReadValue(); err != nil {
			return "", false
		}
		value = slices.Clone(value)
	}
	var s string
	if seen != 1 || value.Kind() != '"' || json.Unmarshal(value, &s) != nil {
		return "", false
	}
	if n := utf8.RuneCountInString(s); n == 0 || n > max {
		return "", false
	}
	return s, true
}

// syntaxError says which part of the strict input rule raw breaks. The
// decoder's error kinds are not all exported, so the UTF-8 case is told by
// checking the text again (only on this failure path) and the surrogate case
// by the decoder's wording; anything unrecognised still fails as bad_request.
func syntaxError(raw []byte, syn *jsontext.SyntacticError) *Error {
	field := fieldOf(syn.JSONPointer)
	switch {
	case errors.Is(syn.Err, jsontext.ErrDuplicateName):
		name := syn.JSONPointer.LastToken()
		return Errorf(CodeBadRequest, field, "the member %q appears twice in one object", name)
	case !utf8.Valid(raw):
		return Errorf(CodeBadRequest, field, "the JSON is not valid UTF-8")
	case strings.Contains(syn.Err.Error(), "surrogate"):
		return Errorf(CodeBadRequest, field, "a string holds an unpaired surrogate escape (\\ud800-\\udfff must come as a high and low pair)")
	}
	return Errorf(CodeBadRequest, "", "the JSON is not valid: %v at byte %d", syn.Err, syn.ByteOffset)
}

// fieldOf names the member a JSON pointer leads to, nested names joined by
// dots as encoding/json named them ("" for the whole text).
func fieldOf(p jsontext.Pointer) string {
	var b strings.Builder
	for tok := range p.Tokens() {
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(tok)
	}
	return b.String()
}
