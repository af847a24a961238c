package store

import (
	"context"
	"strings"
	"testing"
	"time"

	"livedash/models"
)

func TestCreateItem(t *testing.T) {
	s, rec := MustOpenStore(t)
	n, seq := rec.len(), s.Seq()

	res := mustMutateAs(t, s, Origin{Client: "c1", Name: "Ann"}, &models.CreateItem{Name: "  Laser pointer ", Description: "  drawer 3 "})

	if res.Seq != seq+1 {
		t.Errorf("seq = %d, want %d", res.Seq, seq+1)
	}
	it := decodeData[models.Item](t, res.Data)
	// The demo set holds ids 1..5, so a new item must not reuse one of them.
	if it.ID <= 5 || it.Name != "Laser pointer" || it.Description != "  drawer 3 " || it.Version != 1 {
		t.Errorf("item = %+v, want a new id, trimmed name, description as given, version 1", it)
	}
	if !it.CreatedAt.Equal(it.UpdatedAt) {
		t.Errorf("created_at %v != updated_at %v on a new item", it.CreatedAt, it.UpdatedAt)
	}
	checkTimestamps(t, res.Data)
	ev := checkPublished(t, s, rec.since(n), res, "item.created")
	if ev.ActorID != s.PublicID("c1") || ev.ActorName != "Ann" {
		t.Errorf("event actor = %q/%q, want %q/Ann", ev.ActorID, ev.ActorName, s.PublicID("c1"))
	}
	if ev.ActorID == "" || strings.Contains(string(mustJSON(t, ev)), "c1") {
		t.Errorf("event %s shows the client id, or no public id", mustJSON(t, ev))
	}
	stored, err := s.Item(context.Background(), it.ID)
	if err != nil {
		t.Fatal(err)
	}
	checkJSON(t, stored, res.Data)
}

func TestUpdateItem(t *testing.T) {
	tests := []struct {
		name     string
		update   models.UpdateItem
		wantName string
		wantDesc string
	}{
		{name: "name only", update: models.UpdateItem{Name: ptr("  Renamed  ")}, wantName: "Renamed", wantDesc: "orig desc"},
		{name: "description only", update: models.UpdateItem{Description: ptr("new desc")}, wantName: "Orig", wantDesc: "new desc"},
		{name: "both", update: models.UpdateItem{Name: ptr("Both"), Description: ptr("both desc")}, wantName: "Both", wantDesc: "both desc"},
		{name: "description emptied", update: models.UpdateItem{Description: ptr("")}, wantName: "Orig", wantDesc: ""},
		{name: "matching version", update: models.UpdateItem{Version: ptr[int64](1), Name: ptr("Checked")}, wantName: "Checked", wantDesc: "orig desc"},
	}
	s, rec := MustOpenStore(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			created := decodeData[models.Item](t, mustMutate(t, s, &models.CreateItem{Name: "Orig", Description: "orig desc"}).Data)
			n, seq := rec.len(), s.Seq()

			u := tt.update
			u.ID = created.ID
			res := mustMutate(t, s, &u)

			it := decodeData[models.Item](t, res.Data)
			if it.ID != created.ID || it.Name != tt.wantName || it.Description != tt.wantDesc || it.Version != 2 {
				t.Errorf("item = %+v, want id %d name %q description %q version 2", it, created.ID, tt.wantName, tt.wantDesc)
			}
			checkUpdateCommitted(t, s, rec.since(n), res, seq, "item.updated",
				[2]time.Time{created.CreatedAt, created.UpdatedAt}, [2]time.Time{it.CreatedAt, it.UpdatedAt})
			stored, err := s.Item(context.Background(), it.ID)
			if err != nil {
				t.Fatal(err)
			}
			checkJSON(t, stored, res.Data)

			// Every further update is +1, not just the first.
			again := decodeData[models.Item](t, mustMutate(t, s, &models.UpdateItem{ID: it.ID, Version: ptr[int64](2), Name: ptr("Third")}).Data)
			if again.Version != 3 {
				t.Errorf("version after second update = %d, want 3", again.Version)
			}
		})
	}
}

func TestDeleteItem(t *testing.T) {
	tests := []struct {
		name    string
		version *int64
	}{
		{name: "unconditional"},
		{name: "matching version", version: ptr[int64](2)},
	}
	s, rec := MustOpenStore(t)
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			it := decodeData[models.Item](t, mustMutate(t, s, &models.CreateItem{Name: "Doomed"}).Data)
			mustMutate(t, s, &models.UpdateItem{ID: it.ID, Name: ptr("Doomed v2")})
			n, seq := rec.len(), s.Seq()

			res := mustMutate(t, s, &models.DeleteItem{ID: it.ID, Version: tt.version})

			checkDeleteCommitted(t, s, rec.since(n), res, seq, it.ID, "item.deleted")
			_, err := s.Item(ctx, it.ID)
			wantError(t, err, models.CodeNotFound, "id")
			items, err := s.Items(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range items {
				if x.ID == it.ID {
					t.Errorf("deleted item %d still listed", it.ID)
				}
			}
			_, err = s.Mutate(ctx, Origin{}, &models.DeleteItem{ID: it.ID})
			wantError(t, err, models.CodeNotFound, "id")
		})
	}
}
