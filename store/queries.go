package store

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"livedash/models"
)

// Query answers every read a client may ask for, for REST and WebSocket
// alike: id is the record of item.get and score.get, ignored otherwise. The
// answer is the JSON shape the contract gives for that query.
func (s *Store) Query(ctx context.Context, q models.Query, id int64) (any, error) {
	v, err := s.query(ctx, q, id)
	return v, s.dbError(err)
}

func (s *Store) query(ctx context.Context, q models.Query, id int64) (any, error) {
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
