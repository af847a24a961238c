package models

import (
	"reflect"
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
			if err.Code != tt.code || err.Field != tt.field || err.Message == "" {
				t.Errorf("DecodeJSON(%s) = %+v, want code %q field %q and a message", tt.raw, err, tt.code, tt.field)
			}
		})
	}
}
