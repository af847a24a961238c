package ws_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"livedash/app/apptest"
	"livedash/models"
	"livedash/models/nametest"
	"livedash/protocol"
)

// The presence name (?name=) follows the same rule as item names and
// players: trimmed, NFC, no control or invisible characters, 1..40
// characters. A bad one is refused before the upgrade with invalid/name.
func TestPresenceNameRule(t *testing.T) {
	srv := apptest.MustStartServer(t)
	// The shared table's cases, with the length bound and an upper-case
	// Greek name on top: the query value is the case's input before URL
	// escaping, and "" wanted means refused.
	cases := append(nametest.Sample(t, "plain", "trimmed", "NFD composed",
		"only spaces", "zero-width space inside", "BOM first", "right-to-left override", "NUL",
		"only zero-width space", "tab inside", "newline inside", "invalid UTF-8"),
		nametest.Case{Name: "Greek capitals", In: "ΝΊΚΟΣ", Want: "ΝΊΚΟΣ"},
		nametest.Case{Name: "40 NFD characters", In: strings.Repeat("e\u0301", 40), Want: strings.Repeat("\u00e9", 40)},
		nametest.Case{Name: "41 characters", In: strings.Repeat("n", 41)},
	)
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			c, resp, err := srv.TryDial(t, "name="+url.QueryEscape(tc.In), nil)
			if tc.Want == "" {
				if err == nil || resp == nil || resp.StatusCode != http.StatusBadRequest {
					t.Fatalf("want 400, got err %v resp %v", err, resp)
				}
				var body struct{ Error models.Error }
				raw, _ := io.ReadAll(resp.Body)
				if err := json.Unmarshal(raw, &body); err != nil || body.Error.Code != models.CodeInvalid || body.Error.Field != "name" {
					t.Fatalf("body %s, want invalid naming name", raw)
				}
				return
			}
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			var w protocol.Welcome
			if err := json.Unmarshal(c.WaitType("welcome").Data, &w); err != nil || w.Name != tc.Want {
				t.Fatalf("welcome name %+q (%v), want %+q", w.Name, err, tc.Want)
			}
		})
	}
}

// Presence and the actor of events carry the stored (NFC) name.
func TestPresenceNameIsNFC(t *testing.T) {
	srv := apptest.MustStartServer(t)
	c := srv.Dial(t, "client=zoe&name="+url.QueryEscape("Zoe\u0308"))
	var welcome struct{ ID string }
	if err := json.Unmarshal(c.WaitType("welcome").Data, &welcome); err != nil || welcome.ID == "" {
		t.Fatalf("welcome without a public id: %v", err)
	}
	ack := c.MustAck("item.create", map[string]any{"name": "Cafe\u0301"})
	var item models.Item
	if err := json.Unmarshal(ack.Data, &item); err != nil || item.Name != "Caf\u00e9" {
		t.Fatalf("item %s, want NFC name", ack.Data)
	}
	ev := c.WaitSeq(ack.Seq)
	var frame struct {
		Actor models.Actor `json:"actor"`
	}
	if err := json.Unmarshal(ev[len(ev)-1].Raw, &frame); err != nil || frame.Actor.Name != "Zo\u00eb" {
		t.Fatalf("event %s, want actor name NFC Zoë", ev[len(ev)-1].Raw)
	}
	c.WaitType("presence")
	for _, f := range c.Frames() {
		if f.Type != "presence" {
			continue
		}
		var p protocol.Presence
		if err := json.Unmarshal(f.Data, &p); err != nil {
			t.Fatal(err)
		}
		for _, u := range p.Users {
			if u.ID != welcome.ID || u.Name != "Zo\u00eb" {
				t.Fatalf("presence name %+q, want NFC", u.Name)
			}
		}
	}
}
