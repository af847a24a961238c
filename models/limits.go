package models

// The contract's limits, in characters (runes), not bytes. Every check on
// the server and every hint on the page derives from these; the page reads
// them from GET /api/limits.
const (
	MaxItemName        = 200
	MaxItemDescription = 2000
	MaxPlayer          = 64
	MaxName            = 40 // a person's display name (presence, actor)
	MaxClientID        = 64
	MaxRequestID       = 64
)

// Limits is the JSON form of the limits, for clients that check input
// before sending it.
type Limits struct {
	ItemName        int `json:"item_name"`
	ItemDescription int `json:"item_description"`
	Player          int `json:"player"`
	Name            int `json:"name"`
	ClientID        int `json:"client_id"`
	RequestID       int `json:"request_id"`
}

// CurrentLimits returns the limits the server enforces.
func CurrentLimits() Limits {
	return Limits{
		ItemName:        MaxItemName,
		ItemDescription: MaxItemDescription,
		Player:          MaxPlayer,
		Name:            MaxName,
		ClientID:        MaxClientID,
		RequestID:       MaxRequestID,
	}
}
