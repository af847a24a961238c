package models

import (
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

func checkVersion(version *int64) error {
	if version != nil && *version <= 0 {
		return Errorf(CodeInvalid, "version", "version must be a positive integer")
	}
	return nil
}

// PlayerKey is what makes two player names the same player.
func PlayerKey(player string) string { return strings.ToLower(player) }
