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
)

// TakesID reports whether the query reads one record by id.
func (q Query) TakesID() bool { return q == QueryItemGet || q == QueryScoreGet }

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
