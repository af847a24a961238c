package store

import (
	"slices"
	"strings"

	"gorm.io/gorm"
)

// insertChunk bounds the rows of one multi-row statement, well inside
// SQLite's limit on bound variables.
const insertChunk = 200

// insertRows writes rows with multi-row INSERTs built here: the ORM's
// reflection per row cost a tenth of the writer's time. GORM still binds the
// arguments, so the SQL stays portable.
func insertRows[T any](tx *gorm.DB, into string, columns int, rows []T, values func(T, []any) []any) error {
	placeholders := "(" + strings.TrimSuffix(strings.Repeat("?,", columns), ",") + ")"
	for chunk := range slices.Chunk(rows, insertChunk) {
		var sql strings.Builder
		sql.WriteString("INSERT INTO " + into + " VALUES ")
		args := make([]any, 0, len(chunk)*columns)
		for i, row := range chunk {
			if i > 0 {
				sql.WriteByte(',')
			}
			sql.WriteString(placeholders)
			args = values(row, args)
		}
		if err := tx.Exec(sql.String(), args...).Error; err != nil {
			return err
		}
	}
	return nil
}

// scanOne runs a query that returns at most one row and scans it into dest.
// It closes the rows before returning: the writer has a single connection,
// and open rows would hold it.
func scanOne(q *gorm.DB, dest ...any) (bool, error) {
	rows, err := q.Rows()
	if err != nil {
		return false, err
	}
	defer rows.Close()
	if !rows.Next() {
		return false, rows.Err()
	}
	if err := rows.Scan(dest...); err != nil {
		return false, err
	}
	return true, rows.Close()
}
