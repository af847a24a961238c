package main

import (
	"encoding/json"
	"errors"

	"livedash/protocol"
)

// frameHead is the top level of a server frame as far as the load generator
// needs it on the hot path. Type and ID alias the scanned buffer.
type frameHead struct {
	Type   []byte
	ID     []byte // raw string content (escapes left as they are)
	IDNull bool
	Seq    int64
	HasSeq bool
}

var errFrame = errors.New("malformed frame")

// scanFrame reads "type", "id" and "seq" from the top level of a JSON object
// without decoding (or allocating for) the rest: every listener runs this on
// every event, so it must be cheap. Keys nested inside "data" are skipped,
// whatever they are called. It is not a validator: it only promises not to
// read out of bounds and to report errFrame for input it cannot walk.
func scanFrame(b []byte) (frameHead, error) {
	var f frameHead
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return f, errFrame
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		return f, nil
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return f, errFrame
		}
		ks, ke, ok := scanString(b, i)
		if !ok {
			return f, errFrame
		}
		key := b[ks:ke]
		i = skipWS(b, ke+1)
		if i >= len(b) || b[i] != ':' {
			return f, errFrame
		}
		i = skipWS(b, i+1)
		if i >= len(b) {
			return f, errFrame
		}
		switch string(key) {
		case "type":
			if b[i] == '"' {
				s, e, ok := scanString(b, i)
				if !ok {
					return f, errFrame
				}
				f.Type = b[s:e]
				i = e + 1
			} else if i, ok = skipValue(b, i); !ok {
				return f, errFrame
			}
		case "id":
			switch {
			case b[i] == '"':
				s, e, ok := scanString(b, i)
				if !ok {
					return f, errFrame
				}
				f.ID = b[s:e]
				i = e + 1
			case hasLiteral(b, i, "null"):
				f.IDNull = true
				i += 4
			default:
				if i, ok = skipValue(b, i); !ok {
					return f, errFrame
				}
			}
		case "seq":
			if v, e, ok := scanInt(b, i); ok {
				f.Seq, f.HasSeq = v, true
				i = e
			} else if i, ok = skipValue(b, i); !ok {
				return f, errFrame
			}
		default:
			var ok bool
			if i, ok = skipValue(b, i); !ok {
				return f, errFrame
			}
		}
		if f.complete() {
			// The rest is the record: at 80 listeners x 20,000 events/s,
			// walking it was a quarter of loadgen's CPU.
			return f, nil
		}
		i = skipWS(b, i)
		if i >= len(b) {
			return f, errFrame
		}
		switch b[i] {
		case ',':
			i = skipWS(b, i+1)
		case '}':
			return f, nil
		default:
			return f, errFrame
		}
	}
}

// complete reports whether the head holds all the hot path reads: a type
// and a seq, plus the id for the replies (an event has none).
func (f *frameHead) complete() bool {
	if len(f.Type) == 0 || !f.HasSeq {
		return false
	}
	switch string(f.Type) {
	case protocol.TypeAck, protocol.TypeError:
		return f.ID != nil || f.IDNull
	}
	return true
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

func hasLiteral(b []byte, i int, lit string) bool {
	return len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit
}

// scanString expects b[i] == '"' and returns the content bounds [s, e) with
// b[e] the closing quote.
func scanString(b []byte, i int) (s, e int, ok bool) {
	s = i + 1
	for j := s; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++ // skip the escaped byte (\uXXXX digits are plain bytes anyway)
		case '"':
			return s, j, true
		}
	}
	return 0, 0, false
}

// scanInt parses an integer number (no fraction or exponent) at b[i].
func scanInt(b []byte, i int) (v int64, end int, ok bool) {
	j := i
	neg := false
	if j < len(b) && b[j] == '-' {
		neg = true
		j++
	}
	start := j
	for j < len(b) && b[j] >= '0' && b[j] <= '9' {
		if j-start >= 18 {
			return 0, 0, false
		}
		v = v*10 + int64(b[j]-'0')
		j++
	}
	if j == start {
		return 0, 0, false
	}
	if j < len(b) && (b[j] == '.' || b[j] == 'e' || b[j] == 'E') {
		return 0, 0, false
	}
	if neg {
		v = -v
	}
	return v, j, true
}

// skipValue returns the index just past the JSON value starting at b[i].
func skipValue(b []byte, i int) (int, bool) {
	if i >= len(b) {
		return 0, false
	}
	switch b[i] {
	case '"':
		_, e, ok := scanString(b, i)
		if !ok {
			return 0, false
		}
		return e + 1, true
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				_, e, ok := scanString(b, j)
				if !ok {
					return 0, false
				}
				j = e
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, true
				}
			}
		}
		return 0, false
	default:
		j := i
		for j < len(b) {
			c := b[j]
			if c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\n' || c == '\r' {
				break
			}
			j++
		}
		if j == i {
			return 0, false
		}
		return j, true
	}
}

// Frames that are rare enough to decode properly.

type welcomeFrame struct {
	Type string           `json:"type"`
	Data protocol.Welcome `json:"data"`
}

type ackIDFrame struct {
	Data struct {
		ID int64 `json:"id"`
	} `json:"data"`
}

// errorCode extracts error.code from an error frame ("unparsable" if none).
func errorCode(b []byte) string {
	var e protocol.Reply
	if err := json.Unmarshal(b, &e); err != nil || e.Error == nil || e.Error.Code == "" {
		return "unparsable_error"
	}
	return string(e.Error.Code)
}

// ackRecordID extracts data.id from the ack of a create (0 if none).
func ackRecordID(b []byte) int64 {
	var a ackIDFrame
	if json.Unmarshal(b, &a) != nil {
		return 0
	}
	return a.Data.ID
}
