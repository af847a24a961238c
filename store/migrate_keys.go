package store

import (
	"fmt"
	"livedash/models"
	"log/slog"
	"strconv"

	"golang.org/x/text/unicode/norm"
	"gorm.io/gorm"
)

// keySuffixMark starts the suffix that keeps a colliding legacy player's key
// unique. It is U+2060 WORD JOINER, a format (Cf) character, which no valid
// name may contain (CleanName), so no player created under today's rule can
// ever ask for a suffixed key.
const keySuffixMark = "\u2060#"

// migrateKeys brings the rows of a database written under older name rules
// up to today's, at every startup, in one transaction, before the store
// takes any mutation:
//
//   - item names and player names that are not NFC are normalised to NFC
//     (canonically equivalent text, so nothing a person sees changes: no
//     event is logged, and version and updated_at stay as they are);
//   - every score's player_key is recomputed with PlayerKey.
//
// Older versions keyed players by strings.ToLower, under which "Νίκος" and
// "ΝΊΚΟΣ", "straße" and "STRASSE", or NFC "Zoë" and NFD "Zoë" could both
// exist, and 1.1 keyed them without the confusable skeleton, under which
// "Alice" and "Аlice" (Cyrillic А) could. Such players now share one key. That does not stop the server: the
// player with the lowest id keeps the key, each later one keeps its name,
// points and id but gets the key plus keySuffixMark plus its id (so the
// unique index holds), and a warning names both ids. The later player can
// still be incremented, renamed to a free name or deleted; renaming it to a
// name that folds to the taken key is a conflict, like for anyone else. The
// warning repeats at every startup until one of the two is renamed or
// deleted.
//
// Names that break today's rule in other ways (a zero-width space inside,
// say) are left as they are: changing them would change what people see.
// Their keys are still recomputed, and they can be renamed.
func migrateKeys(db *gorm.DB, log *slog.Logger) error {
	err := db.Transaction(func(tx *gorm.DB) error {
		if err := normaliseItemNames(tx); err != nil {
			return err
		}
		return rekeyScores(tx, log)
	})
	if err != nil {
		return fmt.Errorf("store: migrate names: %w", err)
	}
	return nil
}

func normaliseItemNames(tx *gorm.DB) error {
	var batch []models.Item
	return tx.Model(&models.Item{}).Select("id", "name").FindInBatches(&batch, 500, func(b *gorm.DB, _ int) error {
		for _, it := range batch {
			if name := norm.NFC.String(it.Name); name != it.Name {
				if err := b.Model(&models.Item{}).Where("id = ?", it.ID).Update("name", name).Error; err != nil {
					return err
				}
			}
		}
		return nil
	}).Error
}

func rekeyScores(tx *gorm.DB, log *slog.Logger) error {
	var rows []models.Score
	if err := tx.Select("id", "player", "player_key").Order("id").Find(&rows).Error; err != nil {
		return err
	}
	players := make([]string, len(rows))
	natural := make([]string, len(rows))
	reserved := make(map[string]bool, len(rows)) // every natural key: no suffixed key may take one
	for i, r := range rows {
		players[i] = norm.NFC.String(r.Player)
		natural[i] = models.PlayerKey(players[i])
		reserved[natural[i]] = true
	}
	owner := make(map[string]int, len(rows)) // natural key -> index of the row holding it
	used := make(map[string]bool, len(rows))
	keys := make([]string, len(rows))
	for i, r := range rows {
		key := natural[i]
		if first, taken := owner[key]; taken {
			key += keySuffixMark + strconv.FormatInt(r.ID, 10)
			for reserved[key] || used[key] {
				key += "#"
			}
			log.Warn("two players have the same name under the Unicode name rules; the later one keeps a distinct key until one is renamed or deleted",
				"score_id", rows[first].ID, "player", players[first], "later_score_id", r.ID, "later_player", players[i])
		} else {
			owner[key] = i
		}
		used[key] = true
		keys[i] = key
	}

	rekey := false
	for i, r := range rows {
		if keys[i] != r.PlayerKey {
			rekey = true
			break
		}
	}
	// Moving keys one row at a time could meet the unique index halfway (a
	// row's new key may be another row's old one), so the index is dropped
	// and rebuilt around the updates; the keys computed above are distinct.
	if rekey {
		if err := tx.Migrator().DropIndex(&models.Score{}, "PlayerKey"); err != nil {
			return err
		}
	}
	changed := 0
	for i, r := range rows {
		if keys[i] == r.PlayerKey && players[i] == r.Player {
			continue
		}
		changed++
		err := tx.Model(&models.Score{}).Where("id = ?", r.ID).
			Updates(map[string]any{"player": players[i], "player_key": keys[i]}).Error
		if err != nil {
			return err
		}
	}
	if rekey {
		if err := tx.Migrator().CreateIndex(&models.Score{}, "PlayerKey"); err != nil {
			return err
		}
	}
	if changed > 0 {
		log.Info("player names and keys brought up to the Unicode name rules", "scores", changed)
	}
	return nil
}
