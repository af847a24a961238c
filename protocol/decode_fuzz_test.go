package protocol

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"livedash/models"
)

// The decoder never panics, and its verdicts are consistent: an error is a
// typed *models.Error with a code the contract knows; a success names a
// known type and a request id within the limits, and carries exactly one of
// a mutation or a query.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"type":"ping","id":"1","data":{}}`,
		`{"type":"item.create","id":"r-17","data":{"name":"Projector","description":"room 2"}}`,
		`{"type":"item.update","id":"u","data":{"id":7,"version":3,"name":"x"}}`,
		`{"type":"score.increment","id":"i","data":{"id":1,"by":-5}}`,
		`{"type":"score.get","id":"g","data":{"id":1}}`,
		`{"type":"state.get","id":"s","data":{}}`,
		`[1,2,3]`, `null`, `{"type":1}`, `{"id":"x","type":"item.create","data":{"name":5}}`,
		"{\"type\":\"item.create\",\"id\":\"\xff\",\"data\":{\"name\":\"\xfe\"}}",
		`{"type":"score.increment","id":"h","data":{"id":1,"by":1e400}}`,
		`{"a":{"a":{"a":{"a":{"a":{"a":{"a":[[[[[[[[[[[[]]]]]]]]]]]]}}}}}}}`,
	} {
		f.Add([]byte(s))
	}
	known := map[models.Code]bool{models.CodeBadRequest: true, CodeUnknownType: true, models.CodeInvalid: true}
	f.Fuzz(func(t *testing.T, frame []byte) {
		req, err := Decode(frame)
		// Strict input: a request id, even one echoed in an error, is never
		// read from bytes that are not UTF-8 or from an unpaired surrogate
		// escape, which a lenient decoder turns into U+FFFD.
		if strings.ContainsRune(req.ID, utf8.RuneError) && !spellsReplacement(frame) || !utf8.ValidString(req.ID) {
			t.Fatalf("request id %+q holds U+FFFD or bytes that %q does not spell", req.ID, frame)
		}
		if err != nil {
			var e *models.Error
			if !errors.As(err, &e) || !known[err.Code] || err.Message == "" {
				t.Fatalf("unexpected error %#v for %q", err, frame)
			}
			return
		}
		// Strict input: nothing decoded from a frame that is not UTF-8.
		if !utf8.Valid(frame) {
			t.Fatalf("accepted a frame that is not UTF-8: %q", frame)
		}
		if _, ok := newRequestData(req.Type); !ok {
			t.Fatalf("accepted unknown type %q", req.Type)
		}
		if req.ID == "" || len([]rune(req.ID)) > models.MaxRequestID {
			t.Fatalf("accepted request id %q", req.ID)
		}
		kinds := 0
		for _, is := range []bool{req.Mutation != nil, req.Query != "", req.Type == TypePing} {
			if is {
				kinds++
			}
		}
		if kinds != 1 {
			t.Fatalf("want exactly one of mutation, query and ping: %+v", req)
		}
		if req.Mutation != nil {
			if verr := req.Mutation.Validate(); verr != nil && models.AsError(verr).Code != models.CodeInvalid {
				t.Fatalf("validation gave %v", verr)
			}
		}
	})
}

// spellsReplacement reports whether frame writes U+FFFD itself, as UTF-8
// or as the escape \ufffd in any case.
func spellsReplacement(frame []byte) bool {
	return bytes.Contains(frame, []byte("\uFFFD")) || bytes.Contains(bytes.ToLower(frame), []byte(`\ufffd`))
}
