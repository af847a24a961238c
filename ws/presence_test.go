package ws

import (
	"encoding/json"
	"fmt"
	"livedash/protocol"
	"testing"
)

// When the list is capped, everyone still finds themselves in it.
func TestPresenceFramesAlwaysHoldTheRecipient(t *testing.T) {
	tests := []struct {
		name   string
		users  int
		listed int
	}{
		{"no one", 0, 0},
		{"one", 1, 1},
		{"at the cap", maxPresenceUsers, maxPresenceUsers},
		{"over the cap", maxPresenceUsers + 5, maxPresenceUsers},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			all := make([]protocol.User, tt.users)
			for i := range all {
				all[i] = protocol.User{ID: fmt.Sprintf("p-%03d", i), Name: fmt.Sprintf("protocol.User %03d", i)}
			}
			p := newPresenceFrames(tt.users+7, all[:tt.listed])
			selves := append([]protocol.User{{ID: "p-stranger", Name: "Stranger"}}, all...)
			for _, self := range selves {
				var got protocol.Presence
				f := p.frameFor(self)
				var env dataFrame[*protocol.Presence]
				env.Data = &got
				if err := json.Unmarshal(f.Payload(), &env); err != nil || env.Type != "presence" {
					t.Fatalf("frame for %s is not a presence frame: %v %s", self.ID, err, f.Payload())
				}
				if got.Count != tt.users+7 {
					t.Errorf("count = %d, want %d", got.Count, tt.users+7)
				}
				if want := max(tt.listed, 1); len(got.Users) != want {
					t.Errorf("frame for %s lists %d users, want %d", self.ID, len(got.Users), want)
				}
				found := 0
				for _, u := range got.Users {
					if u == self {
						found++
					}
				}
				if found != 1 {
					t.Errorf("frame for %s lists it %d times: %s", self.ID, found, f.Payload())
				}
			}
		})
	}
}
