package models

import (
	"encoding/json"
	"errors"
)

// DecodeJSON decodes a JSON object into dest, mapping failures to the
// contract's codes: wrong JSON types are bad_request naming the field, and
// unknown fields are ignored. WebSocket data and REST bodies both use it.
func DecodeJSON(raw []byte, dest any) *Error {
	err := json.Unmarshal(raw, dest)
	if err == nil {
		return nil
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		if typeErr.Field == "" {
			return Errorf(CodeBadRequest, "", "expected a JSON object")
		}
		return Errorf(CodeBadRequest, typeErr.Field, "%s has the wrong JSON type or is out of range", typeErr.Field)
	}
	return Errorf(CodeBadRequest, "", "the body is not valid JSON")
}
