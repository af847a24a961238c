package store

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
	"gorm.io/gorm"

	"livedash/internal/syncbuf"
	"livedash/models"
)

func withLog(b *syncbuf.Buffer) func(*Options) {
	return func(o *Options) { o.Logger = slog.New(slog.NewTextHandler(b, nil)) }
}

// A database written under the old rule (keys by strings.ToLower, names
// stored as sent) is brought up to the Unicode rule at startup. Players that
// the new rule makes one do not stop the server: the earlier keeps the key,
// the later gets a suffixed one, and a warning names both.
func TestMigrateKeysFromLowercaseKeys(t *testing.T) {
	sqliteOnly(t)
	path, seq, db := legacyDatabase(t, "old.db")
	now := time.Now().UTC()
	old := []models.Score{
		{ID: 101, Player: "Νίκος", Points: 1},
		{ID: 102, Player: "ΝΊΚΟΣ", Points: 2},
		{ID: 103, Player: "straße", Points: 3},
		// Holds, under the old rule, the key 103 moves to: the rekeying must
		// not trip the unique index halfway.
		{ID: 104, Player: "STRASSE", Points: 4},
		{ID: 105, Player: "Zoe\u0308", Points: 5}, // NFD, stored as sent
		{ID: 106, Player: "Zo\u00eb", Points: 6},
		{ID: 107, Player: "sam", Points: 7},
		{ID: 108, Player: "ſam", Points: 8},
		{ID: 109, Player: "Plain", Points: 9},
	}
	for i := range old {
		old[i].PlayerKey = strings.ToLower(old[i].Player)
		old[i].Version, old[i].CreatedAt, old[i].UpdatedAt = 1, now, now
	}
	if err := db.Create(&old).Error; err != nil {
		t.Fatalf("old rows: %v", err)
	}
	if err := db.Create(&models.Item{ID: 50, Name: "Cafe\u0301", Version: 1, CreatedAt: now, UpdatedAt: now}).Error; err != nil {
		t.Fatal(err)
	}
	if err := closeDB(db); err != nil {
		t.Fatal(err)
	}

	var log syncbuf.Buffer
	s2, rec := MustOpenStore(t, withPath(path), withLog(&log))

	// Keys are lower case after the skeleton: "Νίκος" keys as "víĸoo", and
	// "sam" as "sarn".
	nikos, sam := models.PlayerKey("νίκος"), models.PlayerKey("sam")
	wantKeys := map[int64]string{
		101: nikos, 102: nikos + "\u2060#102",
		103: "strasse", 104: "strasse\u2060#104",
		105: "zo\u00eb", 106: "zo\u00eb\u2060#106",
		107: sam, 108: sam + "\u2060#108",
		109: "plain",
	}
	for id, want := range wantKeys {
		if got := playerKeyOf(t, s2, id); got != want {
			t.Errorf("score %d: player_key %+q, want %+q", id, got, want)
		}
	}
	if got := mustStoredScore(t, s2, 105); got.Player != "Zo\u00eb" || got.Version != 1 || got.Points != 5 {
		t.Errorf("score 105 = %+v, want player NFC Zoë, version and points kept", got)
	}
	if got := mustStoredScore(t, s2, 102); got.Player != "ΝΊΚΟΣ" || got.Points != 2 {
		t.Errorf("score 102 = %+v, want kept", got)
	}
	if it, err := s2.Item(context.Background(), 50); err != nil || it.Name != "Caf\u00e9" {
		t.Errorf("item 50 = %+v, %v; want NFC name", it, err)
	}
	for _, pair := range [][2]string{{"101", "102"}, {"103", "104"}, {"105", "106"}, {"107", "108"}} {
		if !strings.Contains(log.String(), "level=WARN") || !strings.Contains(log.String(), "score_id="+pair[0]+" ") ||
			!strings.Contains(log.String(), "later_score_id="+pair[1]) {
			t.Errorf("no warning naming scores %s and %s in log:\n%s", pair[0], pair[1], log.String())
		}
	}
	if strings.Contains(log.String(), "score_id=109") {
		t.Errorf("warning about a player with no twin:\n%s", log.String())
	}
	// Invisible to clients: no event, same seq.
	if s2.Seq() != seq || rec.len() != 0 {
		t.Errorf("migration published %d events, seq %d -> %d", rec.len(), seq, s2.Seq())
	}
	var indexes int64
	if err := s2.read.Raw("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'scores' AND sql LIKE '%UNIQUE%player_key%'").Scan(&indexes).Error; err != nil || indexes != 1 {
		t.Errorf("unique index on player_key: %d, %v", indexes, err)
	}

	// The migrated store follows the new rule: the taken key conflicts for
	// newcomers and for the later twin; the twin can still score and rename.
	_, err := s2.Mutate(context.Background(), Origin{}, &models.CreateScore{Player: "νίκος"})
	wantError(t, err, models.CodeConflict, "player")
	_, err = s2.Mutate(context.Background(), Origin{}, &models.UpdateScore{ID: 102, Player: ptr("ΝΊΚΟΣ")})
	wantError(t, err, models.CodeConflict, "player")
	mustMutate(t, s2, &models.IncrementScore{ID: 102, By: 5})
	mustMutate(t, s2, &models.UpdateScore{ID: 104, Points: ptr[int64](40)})
	if got := playerKeyOf(t, s2, 104); got != wantKeys[104] {
		t.Errorf("points update moved the key of 104 to %+q", got)
	}
	mustMutate(t, s2, &models.UpdateScore{ID: 102, Player: ptr("Nikos B")})
	if got := playerKeyOf(t, s2, 102); got != "nikos b" {
		t.Errorf("renamed 102 has key %+q", got)
	}
	if err := s2.Close(); err != nil {
		t.Fatal(err)
	}

	// A second start changes nothing more and warns only about the twins
	// still there.
	var log3 syncbuf.Buffer
	s3, _ := MustOpenStore(t, withPath(path), withLog(&log3))
	wantKeys[102] = "nikos b"
	for id, want := range wantKeys {
		if got := playerKeyOf(t, s3, id); got != want {
			t.Errorf("after restart, score %d: player_key %+q, want %+q", id, got, want)
		}
	}
	if strings.Contains(log3.String(), "later_score_id=102") || !strings.Contains(log3.String(), "later_score_id=104") {
		t.Errorf("second start log:\n%s", log3.String())
	}
	if strings.Contains(log3.String(), "brought up to") {
		t.Errorf("second start rewrote rows:\n%s", log3.String())
	}
}

// A database keyed under the 1.1 rule (case folding, no skeleton) is
// rekeyed at startup: lookalike players become one key, the earliest keeps
// it, each later one gets a suffixed key and a warning names both. Players
// with no lookalike keep their keys and get no warning.
func TestMigrateKeysFromFoldedKeys(t *testing.T) {
	sqliteOnly(t)
	path, seq, db := legacyDatabase(t, "v11.db")
	foldedKey := func(p string) string { // the 1.1 PlayerKey
		return norm.NFC.String(cases.Fold().String(norm.NFC.String(p)))
	}
	now := time.Now().UTC()
	old := []models.Score{
		{ID: 301, Player: "Oscar", Points: 1},
		{ID: 302, Player: "\u041escar", Points: 2},                                         // Cyrillic О
		{ID: 303, Player: "\uff2f\uff53\uff43\uff41\uff52", Points: 3},                     // full width
		{ID: 304, Player: "\U0001d40e\U0001d42c\U0001d41c\U0001d41a\U0001d42b", Points: 4}, // mathematical bold
		{ID: 305, Player: "Oscar Wilde", Points: 5},
	}
	for i := range old {
		old[i].PlayerKey = foldedKey(old[i].Player)
		old[i].Version, old[i].CreatedAt, old[i].UpdatedAt = 1, now, now
	}
	if err := db.Create(&old).Error; err != nil {
		t.Fatalf("old rows: %v", err)
	}
	if err := closeDB(db); err != nil {
		t.Fatal(err)
	}

	var log syncbuf.Buffer
	s2, rec := MustOpenStore(t, withPath(path), withLog(&log))
	wantKeys := map[int64]string{
		301: "oscar", 302: "oscar\u2060#302", 303: "oscar\u2060#303", 304: "oscar\u2060#304",
		305: "oscar wilde",
	}
	for id, want := range wantKeys {
		if got := playerKeyOf(t, s2, id); got != want {
			t.Errorf("score %d: player_key %+q, want %+q", id, got, want)
		}
	}
	for _, o := range old {
		if got := mustStoredScore(t, s2, o.ID); got.Player != o.Player || got.Points != o.Points || got.Version != 1 {
			t.Errorf("score %d = %+v, want player, points and version kept", o.ID, got)
		}
	}
	for _, later := range []string{"302", "303", "304"} {
		if !strings.Contains(log.String(), "score_id=301 ") || !strings.Contains(log.String(), "later_score_id="+later) {
			t.Errorf("no warning naming scores 301 and %s in log:\n%s", later, log.String())
		}
	}
	if strings.Contains(log.String(), "score_id=305") {
		t.Errorf("warning about a player with no lookalike:\n%s", log.String())
	}
	if s2.Seq() != seq || rec.len() != 0 {
		t.Errorf("migration published %d events, seq %d -> %d", rec.len(), seq, s2.Seq())
	}

	// After the migration the lookalike of a taken key is a conflict, for
	// newcomers and for the later twins; the twins can still be renamed.
	_, err := s2.Mutate(context.Background(), Origin{}, &models.CreateScore{Player: "OSCAR"})
	wantError(t, err, models.CodeConflict, "player")
	_, err = s2.Mutate(context.Background(), Origin{}, &models.UpdateScore{ID: 302, Player: ptr("\uff4fscar")})
	wantError(t, err, models.CodeConflict, "player")
	mustMutate(t, s2, &models.UpdateScore{ID: 303, Player: ptr("Oscar II")})
	if got := playerKeyOf(t, s2, 303); got != "oscar ii" {
		t.Errorf("renamed 303 has key %+q", got)
	}
}

// A legacy name that looks like a suffixed key does not make two rows share
// a key. (Today's key drops the word joiner, a default-ignorable character,
// so that name no longer keys like a suffixed key; the distinct keys still
// have to hold.)
func TestMigrateKeysSuffixAvoidsExistingKeys(t *testing.T) {
	sqliteOnly(t)
	path, _, db := legacyDatabase(t, "odd.db")
	now := time.Now().UTC()
	old := []models.Score{
		{ID: 201, Player: "bo", PlayerKey: "bo"},
		{ID: 202, Player: "BO", PlayerKey: "BO"}, // an older bug's key, not even lower case
		{ID: 203, Player: "bo\u2060#202", PlayerKey: "bo\u2060#202"},
	}
	for i := range old {
		old[i].Version, old[i].CreatedAt, old[i].UpdatedAt = 1, now, now
	}
	if err := db.Create(&old).Error; err != nil {
		t.Fatal(err)
	}
	if err := closeDB(db); err != nil {
		t.Fatal(err)
	}
	s2, _ := MustOpenStore(t, withPath(path))
	keys := map[string]int64{}
	for _, id := range []int64{201, 202, 203} {
		k := playerKeyOf(t, s2, id)
		if other, dup := keys[k]; dup {
			t.Errorf("scores %d and %d share key %+q", other, id, k)
		}
		keys[k] = id
	}
	if got := playerKeyOf(t, s2, 202); got != "bo\u2060#202" {
		t.Errorf("score 202 key %+q", got)
	}
	if got, want := playerKeyOf(t, s2, 203), models.PlayerKey("bo\u2060#202"); got != want || strings.Contains(got, "\u2060") {
		t.Errorf("score 203 key %+q, want %+q, with no word joiner", got, want)
	}
}

// legacyDatabase makes a database with the demo data and opens it raw, with
// no store on it, so a test can write rows as an older version would have.
// It returns the path, the last seq, and the raw handle.
func legacyDatabase(tb testing.TB, name string) (string, int64, *gorm.DB) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), name)
	s, _ := MustOpenStore(tb, withPath(path))
	seq := s.Seq()
	if err := s.Close(); err != nil {
		tb.Fatal(err)
	}
	db, err := openSQLite(path, SyncNormal, true, 1)
	if err != nil {
		tb.Fatal(err)
	}
	return path, seq, db
}
