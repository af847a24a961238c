package faults

import (
	"testing"

	"livedash/app/apptest"
	"livedash/models"
)

// requireLogFoldsToState folds the whole log from empty and fails unless it
// gives exactly the snapshot's items and scores at the snapshot's seq.
func requireLogFoldsToState(tb testing.TB, events []logEvent, st models.State) {
	tb.Helper()
	v := apptest.NewView(models.State{})
	for _, ev := range events {
		v.Apply(tb, ev.Seq, ev.Type, ev.Data)
	}
	v.RequireState(tb, st)
}
