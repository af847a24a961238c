package store

import (
	"context"
	"fmt"
	"slices"

	"gorm.io/gorm"

	"livedash/models"
	"livedash/protocol"
)

// Query answers every read a client may ask for, for REST and WebSocket
// alike: args.ID is the record of item.get, score.get and the histories,
// ignored otherwise; args.Limit the histories' limit (0 for the default).
// The answer is the JSON shape the contract gives for that query.
func (s *Store) Query(ctx context.Context, q models.Query, args models.Args) (any, error) {
	v, err := s.query(ctx, q, args)
	return v, s.dbError(err)
}

func (s *Store) query(ctx context.Context, q models.Query, args models.Args) (any, error) {
	id := args.ID
	switch q {
	case models.QueryState:
		return s.State(ctx)
	case models.QueryItemList:
		items := []models.Item{}
		err := s.read.WithContext(ctx).Order("id").Find(&items).Error
		return models.ItemList{Items: items}, err
	case models.QueryItemGet:
		var it models.Item
		return it, s.get(ctx, &it, "item", id)
	case models.QueryScoreList:
		scores := []models.Score{}
		err := s.read.WithContext(ctx).Order("points DESC, id").Find(&scores).Error
		return models.ScoreList{Scores: scores}, err
	case models.QueryScoreGet:
		var sc models.Score
		return sc, s.get(ctx, &sc, "score", id)
	case models.QueryItemHistory:
		return s.history(ctx, models.RecordItem, &models.Item{}, id, args.Limit)
	case models.QueryScoreHistory:
		return s.history(ctx, models.RecordScore, &models.Score{}, id, args.Limit)
	}
	return nil, fmt.Errorf("store: unknown query %q", q)
}

// State returns items, scores and the seq they reflect, read in one
// transaction so the three agree.
func (s *Store) State(ctx context.Context) (models.State, error) {
	st := models.State{Epoch: s.epoch, Items: []models.Item{}, Scores: []models.Score{}}
	// One snapshot for the three reads (REPEATABLE READ on PostgreSQL).
	err := s.read.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&models.Event{}).Select("COALESCE(MAX(seq), 0)").Scan(&st.Seq).Error; err != nil {
			return err
		}
		if err := tx.Order("id").Find(&st.Items).Error; err != nil {
			return err
		}
		return tx.Order("points DESC, id").Find(&st.Scores).Error
	}, s.d.readTx())
	return st, s.dbError(err)
}

func (s *Store) get(ctx context.Context, dest any, kind string, id int64) error {
	if err := models.CheckID(id); err != nil {
		return err
	}
	if err := s.read.WithContext(ctx).First(dest, id).Error; err != nil {
		return notFound(err, kind, id)
	}
	return nil
}

// history returns the events that touched one record since the last reset,
// oldest first: the most recent limit of them. Both lookups use the record
// index (record_type, record_id, seq), so the cost does not grow with the
// log. A record no event since the reset mentions is not_found, unless it
// exists (a record of the demo set that nobody changed yet has an empty
// history).
func (s *Store) history(ctx context.Context, kind string, model any, id int64, limit int) (models.History, error) {
	h := models.History{Events: []models.Event{}}
	if err := models.CheckID(id); err != nil {
		return h, err
	}
	limit, err := protocol.HistoryLimit(int64(limit), limit != 0)
	if err != nil {
		return h, err
	}
	err = s.read.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		reset, err := lastReset(tx)
		if err != nil {
			return err
		}
		err = tx.Where("record_type = ? AND record_id = ? AND seq > ?", kind, id, reset).
			Order("seq DESC").Limit(limit).Find(&h.Events).Error
		if err != nil || len(h.Events) > 0 {
			return err
		}
		var n int64
		if err := tx.Model(model).Where("id = ?", id).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return models.Errorf(models.CodeNotFound, "id", "no %s with id %d in the log since the last reset", kind, id)
		}
		return nil
	})
	slices.Reverse(h.Events)
	return h, err
}
