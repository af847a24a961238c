package store

import (
	"context"
	"fmt"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"livedash/models"
	"livedash/models/nametest"
)

func TestNamesStored(t *testing.T) {
	s, _ := MustOpenStore(t)
	// A sample of the name rule (its full table runs in models'
	// TestCleanName) to show that what the rule returns is what is stored.
	sample := nametest.Sample(t, "trimmed", "NFD composed", "Hangul jamo composed", "emoji",
		"only spaces", "zero-width space inside", "right-to-left override", "NUL")
	for i, tc := range sample {
		t.Run(tc.Name, func(t *testing.T) {
			// Each case gets a player name of its own so cases share a store.
			item := &models.CreateItem{Name: tc.In}
			player := &models.CreateScore{Player: tc.In}
			if tc.Want != "" {
				player.Player = fmt.Sprintf("p%d ", i) + tc.In
			}
			resI, errI := s.Mutate(context.Background(), Origin{}, item)
			resS, errS := s.Mutate(context.Background(), Origin{}, player)
			if tc.Want == "" {
				wantError(t, errI, models.CodeInvalid, "name")
				wantError(t, errS, models.CodeInvalid, "player")
				up := &models.UpdateItem{ID: 1, Name: ptr(tc.In)}
				wantError(t, up.Validate(), models.CodeInvalid, "name")
				ups := &models.UpdateScore{ID: 1, Player: ptr(tc.In)}
				wantError(t, ups.Validate(), models.CodeInvalid, "player")
				return
			}
			if errI != nil || errS != nil {
				t.Fatalf("create: %v / %v", errI, errS)
			}
			if it := decodeData[models.Item](t, resI.Data); it.Name != tc.Want {
				t.Errorf("item name %+q, want %+q", it.Name, tc.Want)
			}
			sc := decodeData[models.Score](t, resS.Data)
			if wantP, _ := models.CleanName("player", player.Player, models.MaxPlayer); sc.Player != wantP {
				t.Errorf("player %+q, want %+q", sc.Player, wantP)
			}
			if got := mustStoredScore(t, s, sc.ID).Player; got != sc.Player {
				t.Errorf("stored player %+q, acked %+q", got, sc.Player)
			}
		})
	}
}

// Two spellings of one name are one player: the second is a conflict,
// whether created or renamed onto, and the first keeps its NFC spelling.
func TestEquivalentPlayersConflict(t *testing.T) {
	pairs := []struct{ first, second, stored string }{
		{"Νίκος", "ΝΊΚΟΣ", "Νίκος"},
		{"straße", "STRASSE", "straße"},
		{"ſam", "SAM", "ſam"},
		{"Zo\u00eb", "Zoe\u0308", "Zo\u00eb"},
		{"Zoe\u0308y", "ZO\u00cbY", "Zo\u00eby"}, // NFD first: stored NFC
		{"\u03aa\u0301", "\u0390", "\u03aa\u0301"},
		{"Ωmega", "\u2126MEGA", "Ωmega"},
		// Lookalikes (TS #39 skeleton of the folded name).
		{"Alicia", "\u0410licia", "Alicia"},                                         // Cyrillic А
		{"Quinn", "\uff31\uff55\uff49\uff4e\uff4e", "Quinn"},                        // full width
		{"\U0001d40c\U0001d422\U0001d41a", "Mia", "\U0001d40c\U0001d422\U0001d41a"}, // mathematical bold first
		{"Wi11", "WILL", "Wi11"},                                                    // digits one for l
	}
	s, _ := MustOpenStore(t)
	ctx := context.Background()
	other := newScore(t, s, "someone else", 0)
	for _, p := range pairs {
		t.Run(p.first+"/"+p.second, func(t *testing.T) {
			first := decodeData[models.Score](t, mustMutate(t, s, &models.CreateScore{Player: p.first}).Data)
			if first.Player != p.stored || mustStoredScore(t, s, first.ID).Player != p.stored {
				t.Errorf("stored %+q, want %+q", first.Player, p.stored)
			}
			_, err := s.Mutate(ctx, Origin{}, &models.CreateScore{Player: p.second})
			if e := wantError(t, err, models.CodeConflict, "player"); !utf8.ValidString(e.Message) {
				t.Errorf("message %q", e.Message)
			}
			_, err = s.Mutate(ctx, Origin{}, &models.UpdateScore{ID: other, Player: ptr(p.second)})
			wantError(t, err, models.CodeConflict, "player")
			// The owner may respell their own name.
			res := mustMutate(t, s, &models.UpdateScore{ID: first.ID, Player: ptr(p.second)})
			if want := norm.NFC.String(p.second); decodeData[models.Score](t, res.Data).Player != want {
				t.Errorf("respelled to %s, want %+q", res.Data, want)
			}
			mustMutate(t, s, &models.DeleteScore{ID: first.ID})
		})
	}
}
