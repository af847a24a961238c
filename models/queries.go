package models

import (
	"context"

	"gorm.io/gorm"
)

// State returns items, scores and the seq they reflect, read in one
// transaction so the three agree.
func (s *Store) State(ctx context.Context) (State, error) {
	st := State{Epoch: s.epoch, Items: []Item{}, Scores: []Score{}}
	err := s.read.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&Event{}).Select("COALESCE(MAX(seq), 0)").Scan(&st.Seq).Error; err != nil {
			return err
		}
		if err := tx.Order("id").Find(&st.Items).Error; err != nil {
			return err
		}
		return tx.Order("points DESC, id").Find(&st.Scores).Error
	})
	return st, err
}

func (s *Store) Items(ctx context.Context) ([]Item, error) {
	items := []Item{}
	err := s.read.WithContext(ctx).Order("id").Find(&items).Error
	return items, err
}

func (s *Store) Item(ctx context.Context, id int64) (Item, error) {
	var it Item
	return it, s.get(ctx, &it, "item", id)
}

func (s *Store) Scores(ctx context.Context) ([]Score, error) {
	scores := []Score{}
	err := s.read.WithContext(ctx).Order("points DESC, id").Find(&scores).Error
	return scores, err
}

func (s *Store) Score(ctx context.Context, id int64) (Score, error) {
	var sc Score
	return sc, s.get(ctx, &sc, "score", id)
}

func (s *Store) get(ctx context.Context, dest any, kind string, id int64) error {
	if err := checkID(id); err != nil {
		return err
	}
	if err := s.read.WithContext(ctx).First(dest, id).Error; err != nil {
		return notFound(err, kind, id)
	}
	return nil
}

// EventsSince returns up to limit events with seq > since, in order.
func (s *Store) EventsSince(ctx context.Context, since int64, limit int) ([]Event, error) {
	events := []Event{}
	err := s.read.WithContext(ctx).Where("seq > ?", since).Order("seq").Limit(limit).Find(&events).Error
	return events, err
}
