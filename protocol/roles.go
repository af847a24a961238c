package protocol

import "livedash/models"

// Role is what a connection or REST request may do (Access). Each role
// may do everything the one before it may.
type Role string

const (
	RoleView  Role = "view"  // reads, presence, ping
	RoleEdit  Role = "edit"  // also every mutation, undo and presence.set
	RoleAdmin Role = "admin" // also the demo reset and access management
)

// Roles lists the roles from least to most allowed.
func Roles() []Role { return []Role{RoleView, RoleEdit, RoleAdmin} }

func (r Role) rank() int {
	for i, x := range Roles() {
		if x == r {
			return i + 1
		}
	}
	return 0 // not a role: allowed nothing
}

// Allows reports whether r may do what needs the role need.
func (r Role) Allows(need Role) bool { return r.rank() > 0 && r.rank() >= need.rank() }

// ParseRole reads a role's name.
func ParseRole(s string) (Role, error) {
	if r := Role(s); r.rank() > 0 {
		return r, nil
	}
	return "", models.Errorf(models.CodeInvalid, "role", "a role is view, edit or admin, not %q", s)
}

// Need is one row of a role table: what, and the role it needs.
type Need struct {
	What string
	Role Role
}

// RequestRoles is the one table of which role each WebSocket request type
// needs. Every type Decode knows has a row (a test holds them equal). An
// array returned by value: no caller can change it, and looking a type up
// allocates nothing.
func RequestRoles() [17]Need {
	return [...]Need{
		{string(models.QueryState), RoleView},
		{string(models.QueryItemList), RoleView},
		{string(models.QueryItemGet), RoleView},
		{string(models.QueryScoreList), RoleView},
		{string(models.QueryScoreGet), RoleView},
		{string(models.QueryItemHistory), RoleView},
		{string(models.QueryScoreHistory), RoleView},
		{TypePing, RoleView},
		{TypeItemCreate, RoleEdit},
		{TypeItemUpdate, RoleEdit},
		{TypeItemDelete, RoleEdit},
		{TypeScoreCreate, RoleEdit},
		{TypeScoreUpdate, RoleEdit},
		{TypeScoreIncrement, RoleEdit},
		{TypeScoreDelete, RoleEdit},
		{TypeUndo, RoleEdit},
		{TypePresenceSet, RoleEdit},
	}
}

// RequestRole is the role a request type needs; a type not in the table
// needs admin, so a type added without a row is refused, not allowed.
func RequestRole(typ string) Role {
	for _, n := range RequestRoles() {
		if n.What == typ {
			return n.Role
		}
	}
	return RoleAdmin
}

// Forbidden is the error for a request role r may not make.
func Forbidden(r Role, what string, need Role) *models.Error {
	return models.Errorf(CodeForbidden, "", "%s needs the %s role; this credential has %s", what, need, r)
}
