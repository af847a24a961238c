package models

import (
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"
)

// MarshalJSON encodes the event as the wire's event frame (EventFrame): the
// bytes encoding/json makes of that frame, written by hand. Every event is
// encoded once by the hub of every instance, and encoding/json's
// reflection, with its second pass over data and before (it validates and
// compacts raw JSON), took 12 % of an instance's CPU in make
// bench-cluster's writes. Data and Before go out as stored: they are what
// encoding/json made of the record when the mutation applied (compact,
// HTML-escaped), and the log keeps those bytes. A string that needs
// escaping, and a time RFC 3339 cannot show, go through encoding/json, so
// the bytes stay the same (TestEventJSONAsEncodingJSON, FuzzEventJSON).
func (e Event) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 112+len(e.Type)+len(e.Data)+len(e.Before)+len(e.ActorID)+len(e.ActorName))
	b = append(b, `{"type":`...)
	b = appendJSONString(b, e.Type)
	b = append(b, `,"seq":`...)
	b = strconv.AppendInt(b, e.Seq, 10)
	b = append(b, `,"data":`...)
	b = appendRawJSON(b, e.Data)
	if e.ActorID != "" || e.ActorName != "" {
		b = append(b, `,"actor":{`...)
		if e.ActorID != "" {
			b = append(b, `"id":`...)
			b = appendJSONString(b, e.ActorID)
			if e.ActorName != "" {
				b = append(b, ',')
			}
		}
		if e.ActorName != "" {
			b = append(b, `"name":`...)
			b = appendJSONString(b, e.ActorName)
		}
		b = append(b, '}')
	}
	if e.Delta != nil {
		b = append(b, `,"delta":`...)
		b = strconv.AppendInt(b, *e.Delta, 10)
	}
	if len(e.Before) > 0 {
		b = append(b, `,"before":`...)
		b = append(b, e.Before...)
	}
	if e.UndoOf != nil {
		b = append(b, `,"undo_of":`...)
		b = strconv.AppendInt(b, *e.UndoOf, 10)
	}
	b = append(b, `,"at":`...)
	b, err := appendJSONTime(b, e.At)
	if err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}

// appendRawJSON appends raw, stored JSON; none is null, as encoding/json
// writes an empty json.RawMessage.
func appendRawJSON(b, raw []byte) []byte {
	if len(raw) == 0 {
		return append(b, "null"...)
	}
	return append(b, raw...)
}

// appendJSONString appends s as a JSON string. Printable ASCII that
// encoding/json leaves alone is copied; anything else (quotes, backslashes,
// control characters, HTML's <, > and &, non-ASCII, which may be invalid
// UTF-8 or U+2028) goes through encoding/json itself.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			enc, _ := json.Marshal(s) // a string always encodes
			return append(b, enc...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendJSONTime appends t as time.Time's MarshalJSON does: RFC 3339 with
// as many fractional digits as it needs. A year outside 0..9999 goes to
// MarshalJSON, which refuses it.
func appendJSONTime(b []byte, t time.Time) ([]byte, error) {
	if y := t.Year(); y < 0 || y > 9999 {
		enc, err := t.MarshalJSON()
		return append(b, enc...), err
	}
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"'), nil
}
