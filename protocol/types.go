package protocol

// The request types that change something; each one's data is the models
// mutation of the same name (see Decode). The queries' names are
// models.Query constants, since the store answers them by name.
const (
	TypeItemCreate     = "item.create"
	TypeItemUpdate     = "item.update"
	TypeItemDelete     = "item.delete"
	TypeScoreCreate    = "score.create"
	TypeScoreUpdate    = "score.update"
	TypeScoreIncrement = "score.increment"
	TypeScoreDelete    = "score.delete"
	TypeUndo           = "undo"
)

// TypePing is the request the connection answers itself, after every
// request before it.
const TypePing = "ping"

// TypePresenceSet says what the connection is editing (Presence): it
// changes presence only, never the data, so it is neither a mutation nor a
// query, and is acked with no seq.
const TypePresenceSet = "presence.set"

// The frames the server sends that are not events: the replies to a
// request, and the notices, which carry no seq.
const (
	TypeAck      = "ack"
	TypeError    = "error"
	TypeWelcome  = "welcome"
	TypeResync   = "resync"
	TypePresence = "presence"
)

// The types of the events in the log, each with a seq.
const (
	EventItemCreated  = "item.created"
	EventItemUpdated  = "item.updated"
	EventItemDeleted  = "item.deleted"
	EventScoreCreated = "score.created"
	EventScoreUpdated = "score.updated"
	EventScoreDeleted = "score.deleted"
	EventStateReset   = "state.reset"
)
