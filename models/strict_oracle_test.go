package models

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// strictViolation is an oracle for the strict input rule, written apart from
// DecodeJSON's decoder: encoding/json (which accepts all three breaches)
// walks the tokens, and the checks are done by hand. It returns what raw
// breaks, or nil; raw must be JSON that encoding/json accepts.
func strictViolation(raw []byte) error {
	if !utf8.Valid(raw) {
		return errors.New("is not UTF-8")
	}
	if err := loneSurrogate(raw); err != nil {
		return err
	}
	return duplicateName(raw)
}

// loneSurrogate finds a \u escape of a surrogate that is not a high one
// directly followed by a low one. In valid JSON a backslash only ever
// starts an escape inside a string, so a plain scan is enough.
func loneSurrogate(raw []byte) error {
	hex := func(at int) (rune, bool) {
		if at+6 > len(raw) || raw[at] != '\\' || raw[at+1] != 'u' {
			return 0, false
		}
		v, err := strconv.ParseUint(string(raw[at+2:at+6]), 16, 16)
		return rune(v), err == nil
	}
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' {
			continue
		}
		r, ok := hex(i)
		if !ok {
			i++ // \" \\ \/ \b ...: skip the escaped byte
			continue
		}
		if utf16.IsSurrogate(r) {
			low, ok := hex(i + 6)
			if r >= 0xdc00 || !ok || low < 0xdc00 || low > 0xdfff {
				return fmt.Errorf("has an unpaired surrogate escape at byte %d", i)
			}
			i += 6
		}
		i += 5
	}
	return nil
}

// duplicateName finds an object that names a member twice.
func duplicateName(raw []byte) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	// Numbers stay text: as float64, a valid number out of its range
	// (1E700) would end the walk as if the JSON were broken.
	dec.UseNumber()
	type frame struct {
		object   bool
		names    map[string]bool
		wantName bool
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("is not JSON to encoding/json: %v", err)
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.object && top.wantName {
			if name, ok := tok.(string); ok {
				if top.names[name] {
					return fmt.Errorf("names the member %q twice", name)
				}
				top.names[name] = true
				top.wantName = false
				continue
			}
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{object: true, names: map[string]bool{}, wantName: true})
			continue
		case json.Delim('['):
			stack = append(stack, &frame{})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		// A value ended: the enclosing object wants its next name.
		if len(stack) > 0 && stack[len(stack)-1].object {
			stack[len(stack)-1].wantName = true
		}
	}
}
