package protocol

import (
	"strconv"

	"livedash/models"
)

// The argument rules of the reads. The record-id rule itself is
// models.CheckID, since the mutations check their ids by it too; Decode,
// ParseID and the store all apply it.

// HistoryLimit is the one rule for a history's limit, on both transports
// and in the store: not given, models.DefaultHistoryLimit; given, 1 to
// models.MaxHistoryLimit (an explicit 0 is out of range too).
func HistoryLimit(limit int64, given bool) (int, error) {
	if !given {
		return models.DefaultHistoryLimit, nil
	}
	if limit < 1 || limit > models.MaxHistoryLimit {
		return 0, models.Errorf(models.CodeInvalid, "limit", "limit must be between 1 and %d", models.MaxHistoryLimit)
	}
	return int(limit), nil
}

// ParseID reads a record id given as text (a REST path) under
// models.CheckID's rule, with the same error for anything that is not an
// integer.
func ParseID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		id = 0 // not an integer: refused as CheckID refuses 0
	}
	if err := models.CheckID(id); err != nil {
		return 0, err
	}
	return id, nil
}
