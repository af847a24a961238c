package store

import (
	"context"
	"testing"
)

func TestSharePresence(t *testing.T) {
	a, b, _, _ := twoInstances(t)
	ctx := context.Background()
	if _, err := a.SharePresence(ctx, "a", 2, []byte(`[{"id":"x","name":"Anna"}]`)); err != nil {
		t.Fatal(err)
	}
	shares, err := b.SharePresence(ctx, "b", 1, []byte(`[]`))
	if err != nil {
		t.Fatal(err)
	}
	if len(shares) != 1 || shares[0].Instance != "a" || shares[0].Count != 2 {
		t.Fatalf("B sees %+v, want A's share", shares)
	}
	if err := a.DropPresence(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if shares, _ := b.SharePresence(ctx, "b", 1, []byte(`[]`)); len(shares) != 0 {
		t.Fatalf("B sees %+v after A left", shares)
	}
}
