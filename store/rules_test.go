package store

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"livedash/models"
)

// newScore creates a score for a case that needs a particular starting point
// and returns its id. Player names are per case so cases share one store.
func newScore(tb testing.TB, s *Store, player string, points int64) int64 {
	tb.Helper()
	return decodeData[models.Score](tb, mustMutate(tb, s, &models.CreateScore{Player: player, Points: points}).Data).ID
}

func recordID(tb testing.TB, data []byte) int64 {
	tb.Helper()
	var r struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal(data, &r); err != nil || r.ID <= 0 {
		tb.Fatalf("no id in %s: %v", data, err)
	}
	return r.ID
}

func TestMutationRejected(t *testing.T) {
	long := func(r string, n int) string { return strings.Repeat(r, n) }
	tests := []struct {
		name  string
		mut   models.Mutation
		setup func(testing.TB, *Store) models.Mutation // instead of mut, when the case needs a record first
		code  models.Code
		field string
		msg   string // a part the message must contain
	}{
		// item.create
		{name: "item name empty", mut: &models.CreateItem{Name: ""}, code: models.CodeInvalid, field: "name"},
		{name: "item name spaces only", mut: &models.CreateItem{Name: "    "}, code: models.CodeInvalid, field: "name"},
		{name: "item name whitespace only", mut: &models.CreateItem{Name: " \t\n "}, code: models.CodeInvalid, field: "name"},
		{name: "item name 201 multibyte", mut: &models.CreateItem{Name: long("界", 201)}, code: models.CodeInvalid, field: "name"},
		{name: "item name 201 ascii", mut: &models.CreateItem{Name: long("a", 201)}, code: models.CodeInvalid, field: "name"},
		{name: "item description 2001", mut: &models.CreateItem{Name: "x", Description: long("é", 2001)}, code: models.CodeInvalid, field: "description"},

		// item.update
		{name: "item update id zero", mut: &models.UpdateItem{ID: 0, Name: ptr("x")}, code: models.CodeInvalid, field: "id"},
		{name: "item update id negative", mut: &models.UpdateItem{ID: -4, Name: ptr("x")}, code: models.CodeInvalid, field: "id"},
		{name: "item update version zero", mut: &models.UpdateItem{ID: 1, Version: ptr[int64](0), Name: ptr("x")}, code: models.CodeInvalid, field: "version"},
		{name: "item update version negative", mut: &models.UpdateItem{ID: 1, Version: ptr[int64](-1), Name: ptr("x")}, code: models.CodeInvalid, field: "version"},
		{name: "item update nothing", mut: &models.UpdateItem{ID: 1}, code: models.CodeInvalid, field: "name"},
		{name: "item update nothing with version", mut: &models.UpdateItem{ID: 1, Version: ptr[int64](1)}, code: models.CodeInvalid, field: "name"},
		{name: "item update name spaces", mut: &models.UpdateItem{ID: 1, Name: ptr("  ")}, code: models.CodeInvalid, field: "name"},
		{name: "item update name 201", mut: &models.UpdateItem{ID: 1, Name: ptr(long("ü", 201))}, code: models.CodeInvalid, field: "name"},
		{name: "item update description 2001", mut: &models.UpdateItem{ID: 1, Description: ptr(long("d", 2001))}, code: models.CodeInvalid, field: "description"},
		{name: "item update bad name good description", mut: &models.UpdateItem{ID: 1, Name: ptr(""), Description: ptr("ok")}, code: models.CodeInvalid, field: "name"},
		{name: "item update missing", mut: &models.UpdateItem{ID: 999, Name: ptr("x")}, code: models.CodeNotFound, field: "id"},
		{name: "item update stale version", mut: &models.UpdateItem{ID: 1, Version: ptr[int64](2), Name: ptr("x")}, code: models.CodeConflict, field: "version", msg: "version 1"},

		// item.delete
		{name: "item delete id zero", mut: &models.DeleteItem{ID: 0}, code: models.CodeInvalid, field: "id"},
		{name: "item delete version zero", mut: &models.DeleteItem{ID: 1, Version: ptr[int64](0)}, code: models.CodeInvalid, field: "version"},
		{name: "item delete missing", mut: &models.DeleteItem{ID: 999}, code: models.CodeNotFound, field: "id"},
		{name: "item delete stale version", setup: func(tb testing.TB, s *Store) models.Mutation {
			mustMutate(tb, s, &models.UpdateItem{ID: 3, Name: ptr("v2")})
			mustMutate(tb, s, &models.UpdateItem{ID: 3, Name: ptr("v3")})
			return &models.DeleteItem{ID: 3, Version: ptr[int64](2)}
		}, code: models.CodeConflict, field: "version", msg: "version 3"},

		// score.create
		{name: "player empty", mut: &models.CreateScore{Player: ""}, code: models.CodeInvalid, field: "player"},
		{name: "player spaces only", mut: &models.CreateScore{Player: "   "}, code: models.CodeInvalid, field: "player"},
		{name: "player 65 multibyte", mut: &models.CreateScore{Player: long("ß", 65)}, code: models.CodeInvalid, field: "player"},
		{name: "player taken, lower case", mut: &models.CreateScore{Player: "alice"}, code: models.CodeConflict, field: "player"},
		{name: "player taken, padded upper case", mut: &models.CreateScore{Player: "  ALICE "}, code: models.CodeConflict, field: "player"},

		// score.update
		{name: "score update id zero", mut: &models.UpdateScore{ID: 0, Points: ptr[int64](1)}, code: models.CodeInvalid, field: "id"},
		{name: "score update version zero", mut: &models.UpdateScore{ID: 1, Version: ptr[int64](0), Points: ptr[int64](1)}, code: models.CodeInvalid, field: "version"},
		{name: "score update nothing", mut: &models.UpdateScore{ID: 1}, code: models.CodeInvalid, field: "player"},
		{name: "score update player spaces", mut: &models.UpdateScore{ID: 1, Player: ptr(" ")}, code: models.CodeInvalid, field: "player"},
		{name: "score update player 65", mut: &models.UpdateScore{ID: 1, Player: ptr(long("p", 65))}, code: models.CodeInvalid, field: "player"},
		{name: "score rename onto other player", mut: &models.UpdateScore{ID: 2, Player: ptr("alice")}, code: models.CodeConflict, field: "player"},
		{name: "score rename onto other player with points", mut: &models.UpdateScore{ID: 2, Player: ptr("CAROL"), Points: ptr[int64](1)}, code: models.CodeConflict, field: "player"},
		{name: "score update missing", mut: &models.UpdateScore{ID: 999, Points: ptr[int64](1)}, code: models.CodeNotFound, field: "id"},
		{name: "score update stale version", mut: &models.UpdateScore{ID: 1, Version: ptr[int64](7), Points: ptr[int64](1)}, code: models.CodeConflict, field: "version", msg: "version 1"},

		// score.increment
		{name: "increment id zero", mut: &models.IncrementScore{ID: 0, By: 1}, code: models.CodeInvalid, field: "id"},
		{name: "increment by zero", mut: &models.IncrementScore{ID: 1, By: 0}, code: models.CodeInvalid, field: "by"},
		{name: "increment missing", mut: &models.IncrementScore{ID: 999, By: 1}, code: models.CodeNotFound, field: "id"},
		{name: "increment past max", setup: func(tb testing.TB, s *Store) models.Mutation {
			return &models.IncrementScore{ID: newScore(tb, s, "at max", math.MaxInt64), By: 1}
		}, code: models.CodeInvalid, field: "by"},
		{name: "increment by max past max", setup: func(tb testing.TB, s *Store) models.Mutation {
			return &models.IncrementScore{ID: newScore(tb, s, "at one", 1), By: math.MaxInt64}
		}, code: models.CodeInvalid, field: "by"},
		{name: "increment past min", setup: func(tb testing.TB, s *Store) models.Mutation {
			return &models.IncrementScore{ID: newScore(tb, s, "at min", math.MinInt64), By: -1}
		}, code: models.CodeInvalid, field: "by"},
		{name: "increment by min past min", setup: func(tb testing.TB, s *Store) models.Mutation {
			return &models.IncrementScore{ID: newScore(tb, s, "at minus one", -1), By: math.MinInt64}
		}, code: models.CodeInvalid, field: "by"},

		// score.delete
		{name: "score delete id negative", mut: &models.DeleteScore{ID: -1}, code: models.CodeInvalid, field: "id"},
		{name: "score delete version negative", mut: &models.DeleteScore{ID: 1, Version: ptr[int64](-2)}, code: models.CodeInvalid, field: "version"},
		{name: "score delete missing", mut: &models.DeleteScore{ID: 999}, code: models.CodeNotFound, field: "id"},
		{name: "score delete stale version", mut: &models.DeleteScore{ID: 4, Version: ptr[int64](2)}, code: models.CodeConflict, field: "version", msg: "version 1"},
	}
	s, rec := MustOpenStore(t)
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := tt.mut
			if tt.setup != nil {
				m = tt.setup(t, s)
			}
			before, n, seq := mustState(t, s), rec.len(), s.Seq()

			res, err := s.Mutate(ctx, Origin{}, m)

			e := wantError(t, err, tt.code, tt.field)
			if !strings.Contains(e.Message, tt.msg) {
				t.Errorf("message %q does not contain %q", e.Message, tt.msg)
			}
			if res.Seq != 0 || res.Data != nil {
				t.Errorf("failed mutation returned a result: %+v", res)
			}
			if got := rec.since(n); len(got) != 0 {
				t.Errorf("failed mutation published %+v", got)
			}
			checkSameState(t, before, mustState(t, s))
			// A consumed seq would leave a gap that resuming clients read as
			// a lost event, so the next success must take the very next one.
			if next := mustMutate(t, s, &models.IncrementScore{ID: 6, By: 1}); next.Seq != seq+1 {
				t.Errorf("next mutation got seq %d, want %d", next.Seq, seq+1)
			}
		})
	}
}

func TestMutationAcceptedAtLimits(t *testing.T) {
	long := func(r string, n int) string { return strings.Repeat(r, n) }
	tests := []struct {
		name  string
		mut   models.Mutation
		check func(t *testing.T, data []byte)
	}{
		{name: "item name 200 multibyte", mut: &models.CreateItem{Name: long("界", 200)}, check: func(t *testing.T, data []byte) {
			if it := decodeData[models.Item](t, data); it.Name != long("界", 200) {
				t.Errorf("name = %q", it.Name)
			}
		}},
		{name: "item name 200 padded", mut: &models.CreateItem{Name: "   " + long("n", 200) + "\t "}, check: func(t *testing.T, data []byte) {
			if it := decodeData[models.Item](t, data); it.Name != long("n", 200) {
				t.Errorf("name = %q, want it trimmed", it.Name)
			}
		}},
		{name: "item name one character", mut: &models.CreateItem{Name: " x "}, check: func(t *testing.T, data []byte) {
			if it := decodeData[models.Item](t, data); it.Name != "x" {
				t.Errorf("name = %q, want x", it.Name)
			}
		}},
		{name: "item description 2000 multibyte", mut: &models.CreateItem{Name: "d", Description: long("é", 2000)}, check: func(t *testing.T, data []byte) {
			if it := decodeData[models.Item](t, data); utf8.RuneCountInString(it.Description) != 2000 {
				t.Errorf("description has %d characters", utf8.RuneCountInString(it.Description))
			}
		}},
		{name: "item rename trimmed", mut: &models.UpdateItem{ID: 1, Name: ptr("  Beamer ")}, check: func(t *testing.T, data []byte) {
			if it := decodeData[models.Item](t, data); it.Name != "Beamer" {
				t.Errorf("name = %q, want Beamer", it.Name)
			}
		}},
		{name: "player 64 multibyte", mut: &models.CreateScore{Player: long("ß", 64)}, check: func(t *testing.T, data []byte) {
			if sc := decodeData[models.Score](t, data); sc.Player != long("ß", 64) {
				t.Errorf("player = %q", sc.Player)
			}
		}},
		{name: "player rename to own name in other case", mut: &models.UpdateScore{ID: 1, Player: ptr("aLiCe")}, check: func(t *testing.T, data []byte) {
			if sc := decodeData[models.Score](t, data); sc.Player != "aLiCe" {
				t.Errorf("player = %q, want aLiCe", sc.Player)
			}
		}},
		{name: "player rename to same name", mut: &models.UpdateScore{ID: 2, Player: ptr(" Bob ")}, check: func(t *testing.T, data []byte) {
			if sc := decodeData[models.Score](t, data); sc.Player != "Bob" || sc.Version != 2 {
				t.Errorf("score = %+v, want Bob at version 2", sc)
			}
		}},
	}
	s, _ := MustOpenStore(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := mustMutate(t, s, tt.mut)
			tt.check(t, res.Data)
			// What was checked in the ack must be what was stored.
			id := recordID(t, res.Data)
			switch tt.mut.(type) {
			case *models.CreateItem, *models.UpdateItem:
				it, err := s.Item(context.Background(), id)
				if err != nil {
					t.Fatal(err)
				}
				checkJSON(t, it, res.Data)
			default:
				checkJSON(t, mustStoredScore(t, s, id), res.Data)
			}
		})
	}
}
