package models

// The name and description rules are in names.go.

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
