package store

import (
	"context"
	"fmt"

	"gorm.io/gorm"

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
func makeAccessKeys(ctx context.Context, db *gorm.DB) error {
	for _, r := range protocol.Roles() {
		err := db.WithContext(ctx).Exec("INSERT INTO access_keys (role, key, previous, version) VALUES (?, ?, '', 1) "+
			"ON CONFLICT (role) DO NOTHING", string(r), models.NewID(keyChars)).Error
		if err != nil {
			return fmt.Errorf("store: make access keys: %w", err)
		}
	}
	return nil
}

// AccessKeys reads every role's key, in the order of protocol.Roles.
func (s *Store) AccessKeys(ctx context.Context) ([]AccessKey, error) {
	keys, err := readAccessKeys(ctx, s.read)
	return keys, s.dbError(err)
}

// RotateKey replaces role's key with a new one and returns it. Whoever
// polls AccessKeys sees the new version and closes what the old key
// opened.
func (s *Store) RotateKey(ctx context.Context, role protocol.Role) (AccessKey, error) {
	k, err := rotateKey(ctx, s.write, role)
	return k, s.dbError(err)
}

func readAccessKeys(ctx context.Context, db *gorm.DB) ([]AccessKey, error) {
	var rows []accessKeyRow
	if err := db.WithContext(ctx).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: read access keys: %w", err)
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

func rotateKey(ctx context.Context, db *gorm.DB, role protocol.Role) (AccessKey, error) {
	if _, err := protocol.ParseRole(string(role)); err != nil {
		return AccessKey{}, err
	}
	key := models.NewID(keyChars)
	res := db.WithContext(ctx).Exec("UPDATE access_keys SET previous = key, key = ?, version = version + 1 WHERE role = ?",
		key, string(role))
	if res.Error != nil {
		return AccessKey{}, fmt.Errorf("store: rotate the %s key: %w", role, res.Error)
	}
	if res.RowsAffected != 1 {
		return AccessKey{}, fmt.Errorf("store: rotate the %s key: no such key", role)
	}
	keys, err := readAccessKeys(ctx, db)
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

// Keyring reaches the access keys of a database without opening the
// store: `livedash keys` uses it while servers run on the same database
// (the store takes an SQLite file for itself; this does not).
type Keyring struct{ db *gorm.DB }

// OpenKeyring opens the keys of the database at path (an SQLite file or a
// postgres:// URL), making them if it has none yet.
func OpenKeyring(ctx context.Context, path string) (*Keyring, error) {
	var db *gorm.DB
	var err error
	if IsPostgres(path) {
		db, err = (&postgresDialect{url: path}).openPool(1, nil)
	} else {
		db, err = openSQLite(path, SyncFull, true, 1)
	}
	if err != nil {
		return nil, err
	}
	if err := db.WithContext(ctx).AutoMigrate(&accessKeyRow{}); err != nil {
		_ = closeDB(db)
		return nil, fmt.Errorf("store: migrate: %w", err)
	}
	if err := makeAccessKeys(ctx, db); err != nil {
		_ = closeDB(db)
		return nil, err
	}
	return &Keyring{db: db}, nil
}

// AccessKeys reads every role's key, in the order of protocol.Roles.
func (k *Keyring) AccessKeys(ctx context.Context) ([]AccessKey, error) {
	return readAccessKeys(ctx, k.db)
}

// RotateKey replaces role's key with a new one and returns it.
func (k *Keyring) RotateKey(ctx context.Context, role protocol.Role) (AccessKey, error) {
	return rotateKey(ctx, k.db, role)
}

// Close closes the keyring's connection.
func (k *Keyring) Close() error { return closeDB(k.db) }
