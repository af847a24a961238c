package main

import "testing"

func TestScanFrame(t *testing.T) {
	cases := []struct {
		in      string
		typ, id string
		idNull  bool
		seq     int64
		hasSeq  bool
	}{
		{in: `{"type":"item.updated","seq":121,"data":{"id":7,"name":"x"}}`, typ: "item.updated", seq: 121, hasSeq: true},
		{in: `{"data":{"seq":5,"type":"nested","id":"no"},"seq":9,"type":"score.updated"}`, typ: "score.updated", seq: 9, hasSeq: true},
		{in: ` { "type" : "ack" , "id" : "r-17" , "seq" : 42 , "data" : { } } `, typ: "ack", id: "r-17", seq: 42, hasSeq: true},
		{in: `{"type":"error","id":null,"error":{"code":"bad_request","message":"he said \"seq\":1"}}`, typ: "error", idNull: true},
		{in: `{"type":"presence","data":{"count":2,"users":[{"client":"a","name":"}{"},{"client":"b"}]}}`, typ: "presence"},
		{in: `{"type":"state.reset","seq":3,"data":{"items":[[1,2],{"a":[true,false,null,-1.5e3]}],"scores":[]}}`, typ: "state.reset", seq: 3, hasSeq: true},
		{in: `{"type":"ack","id":"a\\\"b","data":{}}`, typ: "ack", id: `a\\\"b`},
		{in: `{"type":"x","seq":-4}`, typ: "x", seq: -4, hasSeq: true},
		{in: `{"type":"x","seq":1.5}`, typ: "x"},
		{in: `{}`},
	}
	for _, c := range cases {
		f, err := scanFrame([]byte(c.in))
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		if string(f.Type) != c.typ || string(f.ID) != c.id || f.IDNull != c.idNull || f.Seq != c.seq || f.HasSeq != c.hasSeq {
			t.Errorf("%s: got type=%q id=%q null=%v seq=%d/%v", c.in, f.Type, f.ID, f.IDNull, f.Seq, f.HasSeq)
		}
	}
}

func TestScanFrameMalformed(t *testing.T) {
	for _, in := range []string{
		``, `[]`, `"x"`, `{`, `{"type"`, `{"type":`, `{"type":"ack"`, `{"type":"ack",}`,
		`{"type":"ack" "seq":1}`, `{"a":{"b":1}`, `{"a":"unterminated}`, `{type:"x"}`, `{"seq":}`,
	} {
		if _, err := scanFrame([]byte(in)); err == nil {
			t.Errorf("%q: want an error", in)
		}
	}
}

func TestErrorCodeAndAckID(t *testing.T) {
	if c := errorCode([]byte(`{"type":"error","id":"r1","error":{"code":"rate_limited","message":"slow down"}}`)); c != "rate_limited" {
		t.Errorf("code %q", c)
	}
	if c := errorCode([]byte(`{"type":"error"}`)); c != "unparsable_error" {
		t.Errorf("code %q", c)
	}
	if id := ackRecordID([]byte(`{"type":"ack","id":"r","seq":4,"data":{"id":77,"name":"x"}}`)); id != 77 {
		t.Errorf("id %d", id)
	}
	if id := ackRecordID([]byte(`nope`)); id != 0 {
		t.Errorf("id %d", id)
	}
}

func TestIsPresencePrefix(t *testing.T) {
	if !isPresencePrefix([]byte(`{"type":"presence","d`)) || !isPresencePrefix([]byte(`{"type": "presence"`)) {
		t.Error("presence not recognised")
	}
	if isPresencePrefix([]byte(`{"type":"item.updated"`)) || isPresencePrefix([]byte(`{"type":"pres`)) {
		t.Error("false positive")
	}
}

func BenchmarkScanFrame(b *testing.B) {
	msg := []byte(`{"type":"score.updated","seq":123456,"data":{"id":3,"player":"Alice","points":42,"version":5,"created_at":"2026-11-22T10:00:00.123456Z","updated_at":"2026-11-22T10:05:00.5Z"},"by":"loadgen-w1"}`)
	for b.Loop() {
		if _, err := scanFrame(msg); err != nil {
			b.Fatal(err)
		}
	}
}
