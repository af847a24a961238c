package models

import (
	"reflect"
	"strings"
	"testing"
)

func TestDecodeJSON(t *testing.T) {
	tests := []struct {
		name  string
		raw   string
		dest  func() any
		want  any // decoded value on success
		code  Code
		field string
		msg   string // a part the message must have, on failure
	}{
		{name: "create item", raw: `{"name":"A","description":"d"}`, dest: func() any { return &CreateItem{} },
			want: &CreateItem{Name: "A", Description: "d"}},
		{name: "unknown fields ignored", raw: `{"name":"A","colour":"red","id":5}`, dest: func() any { return &CreateItem{} },
			want: &CreateItem{Name: "A"}},
		{name: "absent optional fields stay nil", raw: `{"id":3,"name":"B"}`, dest: func() any { return &UpdateItem{} },
			want: &UpdateItem{ID: 3, Name: ptr("B")}},
		{name: "explicit null leaves optional nil", raw: `{"id":3,"version":null,"points":7}`, dest: func() any { return &UpdateScore{} },
			want: &UpdateScore{ID: 3, Points: ptr[int64](7)}},
		{name: "int64 extremes", raw: `{"id":9223372036854775807,"by":-9223372036854775808}`, dest: func() any { return &IncrementScore{} },
			want: &IncrementScore{ID: 9223372036854775807, By: -9223372036854775808}},

		{name: "not JSON", raw: `{"name":`, dest: func() any { return &CreateItem{} }, code: CodeBadRequest},
		{name: "trailing garbage", raw: `{"name":"A"} x`, dest: func() any { return &CreateItem{} }, code: CodeBadRequest},
		{name: "array", raw: `[1,2]`, dest: func() any { return &CreateItem{} }, code: CodeBadRequest},
		{name: "string", raw: `"hello"`, dest: func() any { return &CreateItem{} }, code: CodeBadRequest},
		{name: "name as number", raw: `{"name":5}`, dest: func() any { return &CreateItem{} }, code: CodeBadRequest, field: "name"},
		{name: "name as object", raw: `{"name":{"x":1}}`, dest: func() any { return &CreateItem{} }, code: CodeBadRequest, field: "name"},
		{name: "id as string", raw: `{"id":"7","name":"x"}`, dest: func() any { return &UpdateItem{} }, code: CodeBadRequest, field: "id"},
		{name: "id fractional", raw: `{"id":1.5}`, dest: func() any { return &DeleteItem{} }, code: CodeBadRequest, field: "id"},
		{name: "by beyond int64", raw: `{"id":1,"by":9223372036854775808}`, dest: func() any { return &IncrementScore{} }, code: CodeBadRequest, field: "by"},
		{name: "points as bool", raw: `{"player":"p","points":true}`, dest: func() any { return &CreateScore{} }, code: CodeBadRequest, field: "points"},
		{name: "version as string", raw: `{"id":1,"version":"2"}`, dest: func() any { return &DeleteScore{} }, code: CodeBadRequest, field: "version"},

		// The strict input rule.
		{name: "valid surrogate pair", raw: `{"name":"\ud83d\ude00"}`, dest: func() any { return &CreateItem{} },
			want: &CreateItem{Name: "😀"}},
		{name: "escaped replacement character is a character", raw: `{"name":"\ufffd"}`, dest: func() any { return &CreateItem{} },
			want: &CreateItem{Name: "\ufffd"}},
		{name: "invalid UTF-8 in a value", raw: "{\"name\":\"ab\xffcd\"}", dest: func() any { return &CreateItem{} },
			code: CodeBadRequest, field: "name", msg: "UTF-8"},
		{name: "overlong UTF-8", raw: "{\"name\":\"a\",\"description\":\"\xc0\xaf\"}", dest: func() any { return &CreateItem{} },
			code: CodeBadRequest, field: "description", msg: "UTF-8"},
		{name: "encoded surrogate in UTF-8", raw: "{\"name\":\"\xed\xa0\x80\"}", dest: func() any { return &CreateItem{} },
			code: CodeBadRequest, field: "name", msg: "UTF-8"},
		{name: "invalid UTF-8 in a member name", raw: "{\"n\xffame\":\"x\",\"name\":\"a\"}", dest: func() any { return &CreateItem{} },
			code: CodeBadRequest, msg: "UTF-8"},
		{name: "invalid UTF-8 in an ignored member", raw: "{\"name\":\"a\",\"colour\":\"\xfe\"}", dest: func() any { return &CreateItem{} },
			code: CodeBadRequest, field: "colour", msg: "UTF-8"},
		{name: "lone high surrogate", raw: `{"name":"\ud800"}`, dest: func() any { return &CreateItem{} },
			code: CodeBadRequest, field: "name", msg: "unpaired surrogate"},
		{name: "lone low surrogate after text", raw: `{"name":"x\udfff"}`, dest: func() any { return &CreateItem{} },
			code: CodeBadRequest, field: "name", msg: "unpaired surrogate"},
		{name: "surrogates in the wrong order", raw: `{"name":"\udc00\ud800"}`, dest: func() any { return &CreateItem{} },
			code: CodeBadRequest, field: "name", msg: "unpaired surrogate"},
		{name: "high surrogate before a plain escape", raw: `{"name":"\ud800\u0041"}`, dest: func() any { return &CreateItem{} },
			code: CodeBadRequest, field: "name", msg: "unpaired surrogate"},
		{name: "high surrogate at the end of a pair", raw: `{"name":"\ud83d\ude00\ud83d"}`, dest: func() any { return &CreateItem{} },
			code: CodeBadRequest, field: "name", msg: "unpaired surrogate"},
		{name: "lone surrogate in a member name", raw: `{"\ud800":1,"name":"a"}`, dest: func() any { return &CreateItem{} },
			code: CodeBadRequest, msg: "unpaired surrogate"},
		{name: "lone surrogate in an ignored member", raw: `{"name":"a","x":["\udfff"]}`, dest: func() any { return &CreateItem{} },
			code: CodeBadRequest, field: "x.0", msg: "unpaired surrogate"},
		{name: "duplicate member", raw: `{"name":"a","name":"b"}`, dest: func() any { return &CreateItem{} },
			code: CodeBadRequest, field: "name", msg: `"name" appears twice`},
		{name: "duplicate number member", raw: `{"id":1,"by":1,"by":100}`, dest: func() any { return &IncrementScore{} },
			code: CodeBadRequest, field: "by", msg: `"by" appears twice`},
		{name: "duplicate ignored member", raw: `{"name":"a","x":1,"x":1}`, dest: func() any { return &CreateItem{} },
			code: CodeBadRequest, field: "x", msg: "appears twice"},
		{name: "duplicate member nested in an object", raw: `{"name":"a","x":{"k":1,"k":2}}`, dest: func() any { return &CreateItem{} },
			code: CodeBadRequest, field: "x.k", msg: `"k" appears twice`},
		{name: "duplicate member nested in an array", raw: `{"name":"a","x":[{},{"k":1,"k":1}]}`, dest: func() any { return &CreateItem{} },
			code: CodeBadRequest, field: "x.1.k", msg: `"k" appears twice`},
		{name: "duplicate spelled with an escape", raw: `{"name":"a","n\u0061me":"b"}`, dest: func() any { return &CreateItem{} },
			code: CodeBadRequest, field: "name", msg: "appears twice"},
		{name: "same key in sibling objects", raw: `{"name":"a","x":[{"k":1},{"k":1}]}`, dest: func() any { return &CreateItem{} },
			want: &CreateItem{Name: "a"}},
		{name: "member names are case-sensitive", raw: `{"NAME":"x"}`, dest: func() any { return &CreateItem{} },
			want: &CreateItem{}},
		{name: "a differently cased member does not override", raw: `{"name":"kept","Name":"other"}`, dest: func() any { return &CreateItem{} },
			want: &CreateItem{Name: "kept"}},
		{name: "a differently cased member is not a duplicate", raw: `{"Name":"other","name":"kept"}`, dest: func() any { return &CreateItem{} },
			want: &CreateItem{Name: "kept"}},
		{name: "capitalised number members are ignored", raw: `{"ID":3,"id":4,"BY":5}`, dest: func() any { return &IncrementScore{} },
			want: &IncrementScore{ID: 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dest := tt.dest()
			err := DecodeJSON([]byte(tt.raw), dest)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("DecodeJSON(%s) = %v", tt.raw, err)
				}
				if !reflect.DeepEqual(dest, tt.want) {
					t.Errorf("decoded %+v, want %+v", dest, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("DecodeJSON(%s) = nil, want %s", tt.raw, tt.code)
			}
			if err.Code != tt.code || err.Field != tt.field || err.Message == "" || !strings.Contains(err.Message, tt.msg) {
				t.Errorf("DecodeJSON(%+q) = %+v, want code %q field %q and a message with %q", tt.raw, err, tt.code, tt.field, tt.msg)
			}
		})
	}
}

// The fuzz oracle must itself see each breach, or FuzzDecodeJSON could not.
func TestStrictViolationOracle(t *testing.T) {
	for _, tc := range []struct {
		name, raw string
		bad       bool
	}{
		{"plain", `{"a":"x","b":[{"a":1},{"a":2}],"c":{"a":{}}}`, false},
		{"pair", `{"a":"\ud83d\ude00"}`, false},
		{"escaped backslash before u", `{"a":"\\ud800"}`, false},
		{"lone high", `{"a":"\ud800"}`, true},
		{"lone low", `{"a":"x\udfff"}`, true},
		{"reversed", `{"a":"\udc00\ud800"}`, true},
		{"high then letter escape", `{"a":"\ud800\u0041"}`, true},
		{"in a name", `{"\ud800":1}`, true},
		{"invalid UTF-8", "{\"a\":\"\xff\"}", true},
		{"duplicate", `{"a":1,"a":2}`, true},
		{"duplicate after a nested object", `{"a":{"b":1},"a":2}`, true},
		{"duplicate nested in an array", `[{"k":1,"k":1}]`, true},
		{"duplicate spelled with an escape", `{"a":1,"\u0061":2}`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := strictViolation([]byte(tc.raw)); (err != nil) != tc.bad {
				t.Errorf("strictViolation(%+q) = %v, want a violation: %v", tc.raw, err, tc.bad)
			}
		})
	}
}

// An error about a frame names its request when the id can be read under
// the strict input rule, whatever else in the frame breaks it.
func TestReadableString(t *testing.T) {
	for _, tc := range []struct {
		name, raw string
		want      string
		ok        bool
	}{
		{"plain", `{"type":"ping","id":"r1","data":{}}`, "r1", true},
		{"duplicate elsewhere", `{"id":"r1","data":{"a":1,"a":2}}`, "r1", true},
		{"surrogate elsewhere", `{"id":"r1","data":{"name":"\ud800"}}`, "r1", true},
		{"invalid UTF-8 elsewhere", "{\"id\":\"r1\",\"data\":{\"name\":\"\xff\"}}", "r1", true},
		{"escaped member name", `{"\u0069d":"r1"}`, "r1", true},
		{"pair in the id", `{"id":"r\ud83d\ude00"}`, "r😀", true},
		{"unpaired surrogate in the id", `{"id":"x\ud800"}`, "", false},
		{"lone low surrogate in the id", `{"id":"x\udfff"}`, "", false},
		{"invalid UTF-8 in the id", "{\"id\":\"x\xff\"}", "", false},
		{"id twice", `{"id":"a","id":"b"}`, "", false},
		{"id twice, same value", `{"id":"a","id":"a"}`, "", false},
		{"no id", `{"type":"ping"}`, "", false},
		{"capitalised id", `{"ID":"a"}`, "", false},
		{"id not a string", `{"id":7}`, "", false},
		{"empty id", `{"id":""}`, "", false},
		{"id too long", `{"id":"` + strings.Repeat("x", MaxRequestID+1) + `"}`, "", false},
		{"id at the limit", `{"id":"` + strings.Repeat("é", MaxRequestID) + `"}`, strings.Repeat("é", MaxRequestID), true},
		{"id only in a nested object", `{"data":{"id":"a"}}`, "", false},
		{"truncated", `{"id":"a","data":{`, "", false},
		{"trailing garbage after the object", `{"id":"a"} x`, "a", true},
		{"array", `["id","a"]`, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := ReadableString([]byte(tc.raw), "id", MaxRequestID)
			if got != tc.want || ok != tc.ok {
				t.Errorf("ReadableString(%+q) = %+q, %v; want %+q, %v", tc.raw, got, ok, tc.want, tc.ok)
			}
		})
	}
}
