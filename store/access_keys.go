package store

import (
	"context"
	"fmt"

	"livedash/models"
	"livedash/protocol"
)

// The access keys (contract: Access, keys mode) live in the database, one
// row per role, so every instance of a cluster shares them and a rotation
// made by any process (another instance, or `livedash keys --rotate`)
// reaches every instance: each polls AccessKeys and closes what the old
// key opened. A row keeps the key it replaced, so a request with it is
// told "revoked", not "wrong".

// accessKeyRow is one role's key.
type accessKeyRow struct {
	Role     string `gorm:"primaryKey"`
	Key      string `gorm:"not null"`
	Previous string `gorm:"not null;default:''"` // the key the last rotation replaced
	Version  int64  `gorm:"not null"`            // 1 when made, +1 at every rotation
}

func (accessKeyRow) TableName() string { return "access_keys" }

// keyChars is the length of a key: 32 base64url characters, 192 random bits.
const keyChars = 32

// AccessKey is one role's key as the store hands it out.
type AccessKey struct {
	Role     protocol.Role
	Key      string
	Previous string
	Version  int64
}

// makeAccessKeys gives every role without a key one. Instances starting
// together may both try: the first insert wins, the others do nothing.
func makeAccessKeys(ctx context.Context, s *Store) error {
	for _, r := range protocol.Roles() {
		err := s.write.WithContext(ctx).Exec("INSERT INTO access_keys (role, key, previous, version) VALUES (?, ?, '', 1) "+
			"ON CONFLICT (role) DO NOTHING", string(r), models.NewID(keyChars)).Error
		if err != nil {
			return fmt.Errorf("store: make access keys: %w", err)
		}
	}
	return nil
}

// AccessKeys reads every role's key, in the order of protocol.Roles.
func (s *Store) AccessKeys(ctx context.Context) ([]AccessKey, error) {
	var rows []accessKeyRow
	if err := s.read.WithContext(ctx).Find(&rows).Error; err != nil {
		return nil, s.dbError(fmt.Errorf("store: read access keys: %w", err))
	}
	keys := make([]AccessKey, 0, len(rows))
	for _, r := range protocol.Roles() {
		for _, row := range rows {
			if row.Role == string(r) {
				keys = append(keys, AccessKey{Role: r, Key: row.Key, Previous: row.Previous, Version: row.Version})
			}
		}
	}
	return keys, nil
}

// RotateKey replaces role's key with a new one and returns it. Whoever
// polls AccessKeys sees the new version and closes what the old key
// opened.
func (s *Store) RotateKey(ctx context.Context, role protocol.Role) (AccessKey, error) {
	if _, err := protocol.ParseRole(string(role)); err != nil {
		return AccessKey{}, err
	}
	key := models.NewID(keyChars)
	res := s.write.WithContext(ctx).Exec("UPDATE access_keys SET previous = key, key = ?, version = version + 1 WHERE role = ?",
		key, string(role))
	if res.Error != nil {
		return AccessKey{}, s.dbError(fmt.Errorf("store: rotate the %s key: %w", role, res.Error))
	}
	if res.RowsAffected != 1 {
		return AccessKey{}, fmt.Errorf("store: rotate the %s key: no such key", role)
	}
	keys, err := s.AccessKeys(ctx)
	if err != nil {
		return AccessKey{}, err
	}
	for _, k := range keys {
		if k.Role == role {
			return k, nil
		}
	}
	return AccessKey{}, fmt.Errorf("store: rotate the %s key: it vanished", role)
}
