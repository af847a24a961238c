package models

import "strconv"

// The name and description rules are in names.go.

func CheckID(id int64) error {
	if id <= 0 {
		return Errorf(CodeInvalid, "id", "id must be a positive integer")
	}
	return nil
}

// checkTarget is the rule for the record a change names: its id, and the
// version the client expects it at, if any.
func checkTarget(id int64, version *int64) error {
	if err := CheckID(id); err != nil {
		return err
	}
	return CheckVersion(version)
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
