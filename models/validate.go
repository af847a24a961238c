package models

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// cleanText trims spaces and checks the length in characters; the trimmed
// text is what gets stored, so "  Bob " and "Bob" are the same player.
func cleanText(field, value string, min, max int) (string, error) {
	v := strings.TrimSpace(value)
	n := utf8.RuneCountInString(v)
	switch {
	case n < min && min == 1:
		return "", Errorf(CodeInvalid, field, "%s is required", field)
	case n < min:
		return "", Errorf(CodeInvalid, field, "%s must have at least %d characters", field, min)
	case n > max:
		return "", Errorf(CodeInvalid, field, "%s must have at most %d characters, not %d", field, max, n)
	}
	return v, nil
}

func checkDescription(value string) error {
	if n := utf8.RuneCountInString(value); n > MaxItemDescription {
		return Errorf(CodeInvalid, "description", "description must have at most %d characters, not %d", MaxItemDescription, n)
	}
	return nil
}

func CheckID(id int64) error {
	if id <= 0 {
		return Errorf(CodeInvalid, "id", "id must be a positive integer")
	}
	return nil
}

// CheckVersion is the rule for a version a client expects: absent, or a
// positive integer.
func CheckVersion(version *int64) error {
	if version != nil && *version <= 0 {
		return errVersion()
	}
	return nil
}

// ParseVersion reads a version given as text (a REST query) under the
// rule of CheckVersion, with the same error for anything else.
func ParseVersion(s string) (int64, error) {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v <= 0 {
		return 0, errVersion()
	}
	return v, nil
}

func errVersion() *Error {
	return Errorf(CodeInvalid, "version", "version must be a positive integer")
}

// PlayerKey is what makes two player names the same player.
func PlayerKey(player string) string { return strings.ToLower(player) }
