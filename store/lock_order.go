package store

import "livedash/models"

// lockedInOrder tells whether m's batch on PostgreSQL can lock every row m
// touches up front, in the batch's one global order (items ascending, then
// scores ascending, then the seq counter; see postgresDialect.transaction):
// the rows it names are read and locked by prefetch, and a created item is
// a new row with an id from the sequence, which no other batch can name.
// Everything else (a score create takes a unique player key another
// instance may hold, a score update or delete, an undo reads the log, a
// reset takes every row, any type not listed) may wait on a row out of that
// order, so its batch runs alone.
func lockedInOrder(m models.Mutation) bool {
	switch m.(type) {
	case *models.CreateItem, *models.UpdateItem, *models.DeleteItem, *models.IncrementScore:
		return true
	}
	return false
}

// inOrder tells whether every request of a batch locks in the global order,
// so the batch may run beside other such batches.
func inOrder(reqs []*request) bool {
	for _, r := range reqs {
		if !r.ordered {
			return false
		}
	}
	return true
}
