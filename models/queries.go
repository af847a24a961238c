package models

import "sort"

// Query names one of the reads a client may ask for. The names are the
// WebSocket request types; REST routes map onto the same queries, so both
// transports answer with the same shapes.
type Query string

const (
	QueryState     Query = "state.get"  // answers State
	QueryItemList  Query = "item.list"  // answers ItemList
	QueryItemGet   Query = "item.get"   // answers Item
	QueryScoreList Query = "score.list" // answers ScoreList
	QueryScoreGet  Query = "score.get"  // answers Score

	QueryItemHistory  Query = "item.history"  // answers History
	QueryScoreHistory Query = "score.history" // answers History
)

// TakesID reports whether the query reads one record by id.
func (q Query) TakesID() bool {
	return q == QueryItemGet || q == QueryScoreGet || q.IsHistory()
}

// IsHistory reports whether the query reads a record's history.
func (q Query) IsHistory() bool { return q == QueryItemHistory || q == QueryScoreHistory }

// History limits: how many events a history answers by default and at most
// (the rule is protocol.HistoryLimit).
const (
	DefaultHistoryLimit = 100
	MaxHistoryLimit     = 1000
)

// Args are the arguments of a query: the record of the queries that read
// one, and the limit of a history (0: not given, so the default).
type Args struct {
	ID    int64
	Limit int
}

// History is the answer to item.history, score.history and the REST
// history routes: the record's events since the last reset, oldest first.
type History struct {
	Events []Event `json:"events"`
}

// State is one consistent snapshot of everything a dashboard shows.
type State struct {
	Seq    int64   `json:"seq"`
	Epoch  string  `json:"epoch"`
	Items  []Item  `json:"items"`
	Scores []Score `json:"scores"`
}

// ItemList is the answer to item.list and GET /api/items.
type ItemList struct {
	Items []Item `json:"items"`
}

// ScoreList is the answer to score.list and GET /api/scores.
type ScoreList struct {
	Scores []Score `json:"scores"`
}

// SortScores puts scores in the contract's leaderboard order: points
// descending, then id ascending.
func SortScores(scores []Score) {
	sort.SliceStable(scores, func(i, j int) bool {
		if scores[i].Points != scores[j].Points {
			return scores[i].Points > scores[j].Points
		}
		return scores[i].ID < scores[j].ID
	})
}
