package store

import "testing"

// A notification wakes the publisher only for a seq it has not published:
// its own commits come back to it as notifications too, after it published
// them, and must not cost a read of the log; anything unreadable wakes it.
func TestNotificationNews(t *testing.T) {
	for _, tc := range []struct {
		name      string
		payload   string
		published int64
		want      bool
	}{
		{"own commit, already published", "41", 41, false},
		{"older commit", "40", 41, false},
		{"another instance's newer commit", "42", 41, true},
		{"empty payload", "", 41, true},
		{"not a seq", "x", 41, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := news(tc.payload, tc.published); got != tc.want {
				t.Errorf("news(%q, %d) = %v, want %v", tc.payload, tc.published, got, tc.want)
			}
		})
	}
}
