package store

import (
	"encoding/json"
	"slices"
	"time"

	"gorm.io/gorm"

	"livedash/models"
)

type outcomeKey struct{ client, requestID string }

// findOutcomes looks up, in one query per chunk, the remembered outcomes of
// the batch's mutations that carry a client id.
func findOutcomes(tx *gorm.DB, reqs []*request) (map[outcomeKey]reply, error) {
	var pairs [][]any
	for _, r := range reqs {
		if r.origin.Remember {
			pairs = append(pairs, []any{r.origin.Client, r.origin.RequestID})
		}
	}
	found := make(map[outcomeKey]reply)
	for chunk := range slices.Chunk(pairs, insertChunk) {
		var rows []models.Outcome
		if err := tx.Where("(client, request_id) IN ?", chunk).Find(&rows).Error; err != nil {
			return nil, err
		}
		for _, o := range rows {
			rep := reply{res: Result{Seq: o.Seq, Data: o.Reply}}
			if o.Failed {
				var e models.Error
				if err := json.Unmarshal(o.Reply, &e); err != nil {
					return nil, err
				}
				rep = reply{err: &e}
			}
			found[outcomeKey{o.Client, o.RequestID}] = rep
		}
	}
	return found, nil
}

func insertOutcomes(tx *gorm.DB, outcomes []models.Outcome) error {
	return insertRows(tx, "outcomes (client, request_id, seq, reply, failed, created_at)", 6, outcomes,
		func(o models.Outcome, args []any) []any {
			return append(args, o.Client, o.RequestID, o.Seq, o.Reply, o.Failed, o.CreatedAt)
		})
}

// pruneOutcomes deletes one chunk of expired outcomes and reports whether
// more are due. Chunks are cut by time so the SQL stays portable.
func (s *Store) pruneOutcomes() bool {
	cutoff := time.Now().UTC().Add(-s.opts.OutcomeTTL)
	var edge []time.Time
	err := s.write.Model(&models.Outcome{}).Where("created_at < ?", cutoff).Order("created_at").
		Offset(pruneChunk-1).Limit(1).Pluck("created_at", &edge).Error
	if err != nil {
		s.log.Error("prune outcomes", "err", err)
		return false
	}
	del := s.write.Where("created_at < ?", cutoff)
	if len(edge) > 0 {
		del = s.write.Where("created_at <= ?", edge[0])
	}
	if err := del.Delete(&models.Outcome{}).Error; err != nil {
		s.log.Error("prune outcomes", "err", err)
		return false
	}
	return len(edge) > 0
}
