package protocol

import (
	"testing"

	"livedash/models"
)

// TestRequestRolesFollowTheContract iterates the role table: every request
// type of the contract has the role the Access section gives it, every row
// is a type Decode knows (presence.set aside, served by the presence
// owner), and a type without a row needs admin.
func TestRequestRolesFollowTheContract(t *testing.T) {
	contract := map[string]Role{
		"state.get": RoleView, "item.list": RoleView, "item.get": RoleView, "score.list": RoleView,
		"score.get": RoleView, "item.history": RoleView, "score.history": RoleView, "ping": RoleView,
		"item.create": RoleEdit, "item.update": RoleEdit, "item.delete": RoleEdit, "score.create": RoleEdit,
		"score.update": RoleEdit, "score.increment": RoleEdit, "score.delete": RoleEdit, "undo": RoleEdit,
		"presence.set": RoleEdit,
	}
	rows := RequestRoles()
	if len(rows) != len(contract) {
		t.Fatalf("%d rows, the contract has %d request types", len(rows), len(contract))
	}
	for _, row := range rows {
		t.Run(row.What, func(t *testing.T) {
			if want, ok := contract[row.What]; !ok || row.Role != want {
				t.Fatalf("%s needs %q; the contract says %q", row.What, row.Role, want)
			}
			if got := RequestRole(row.What); got != row.Role {
				t.Fatalf("RequestRole(%s) = %s, want %s", row.What, got, row.Role)
			}
			if _, known := newRequestData(row.What); !known {
				t.Fatalf("%s has a role but Decode does not know it", row.What)
			}
		})
	}
	for typ := range contract {
		if _, known := newRequestData(typ); known && RequestRole(typ) != contract[typ] {
			t.Errorf("%s: Decode knows it, the table gives %s", typ, RequestRole(typ))
		}
	}
	if RequestRole("no.such.type") != RoleAdmin {
		t.Error("a type without a row must need admin, the most")
	}
}

// TestRolesOrder: each role may do what the ones before it may, and what
// is not a role may do nothing.
func TestRolesOrder(t *testing.T) {
	cases := []struct {
		have, need Role
		ok         bool
	}{
		{RoleView, RoleView, true}, {RoleView, RoleEdit, false}, {RoleView, RoleAdmin, false},
		{RoleEdit, RoleView, true}, {RoleEdit, RoleEdit, true}, {RoleEdit, RoleAdmin, false},
		{RoleAdmin, RoleView, true}, {RoleAdmin, RoleEdit, true}, {RoleAdmin, RoleAdmin, true},
		{"", RoleView, false}, {"root", RoleView, false},
	}
	for _, tc := range cases {
		t.Run(string(tc.have)+" for "+string(tc.need), func(t *testing.T) {
			if got := tc.have.Allows(tc.need); got != tc.ok {
				t.Fatalf("%q.Allows(%q) = %v, want %v", tc.have, tc.need, got, tc.ok)
			}
		})
	}
	for _, s := range []string{"view", "edit", "admin"} {
		if r, err := ParseRole(s); err != nil || string(r) != s {
			t.Errorf("ParseRole(%q) = %q, %v", s, r, err)
		}
	}
	if _, err := ParseRole("Admin"); err == nil || models.AsError(err).Code != models.CodeInvalid {
		t.Errorf("ParseRole(Admin) = %v, want invalid", err)
	}
}
