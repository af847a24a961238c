package models

import (
	"strings"
	"testing"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// nameCases is the name rule as a table. The same cases run through
// CleanName for every kind of name and through the mutations that store
// item names and players.
var nameCases = []struct {
	name string
	in   string
	want string // the stored name; "" means invalid
}{
	{"plain", "Bob", "Bob"},
	{"trimmed", "  Bob \t", "Bob"},
	{"trimmed unicode spaces", "\u00a0Bob\u3000", "Bob"},
	{"trailing newline trimmed", "Bob\n", "Bob"},
	{"inner space kept", "Bob  Smith", "Bob  Smith"},
	{"NFC kept", "Zo\u00eb", "Zo\u00eb"},
	{"NFD composed", "Zoe\u0308", "Zo\u00eb"},
	{"Greek", "Νίκος", "Νίκος"},
	{"Hangul jamo composed", "\u1100\u1161", "\uac00"},
	{"emoji", "🙂 Bob", "🙂 Bob"},
	{"leading combining mark", " \u0301x", "\u0301x"},

	{"empty", "", ""},
	{"only spaces", "   ", ""},
	{"zero-width space inside", "Bob\u200b", ""},
	{"BOM first", "\ufeffBob", ""},
	{"right-to-left override", "\u202eboB", ""},
	{"NUL", "Bob\u0000", ""},
	{"only zero-width space", "\u200b", ""},
	{"zero-width space between spaces", " \u200b ", ""},
	{"tab inside", "Bo\tb", ""},
	{"newline inside", "Bo\nb", ""},
	{"carriage return inside", "Bo\rb", ""},
	{"escape", "\x1b[31mBob", ""},
	{"DEL", "Bob\x7f", ""},
	{"C1 control NEL inside", "Bo\u0085b", ""},
	{"soft hyphen", "Bo\u00adb", ""},
	{"zero-width joiner", "👩\u200d💻", ""},
	{"word joiner", "Bob\u2060", ""},
	{"tag character", "Bob\U000E0041", ""},
	{"invalid UTF-8", "Bob\xff", ""},
}

func TestCleanName(t *testing.T) {
	for _, field := range []struct {
		name string
		max  int
	}{{"name", MaxItemName}, {"player", MaxPlayer}, {"name", MaxName}} {
		for _, tc := range nameCases {
			t.Run(field.name+"/"+tc.name, func(t *testing.T) {
				got, err := CleanName(field.name, tc.in, field.max)
				if tc.want == "" {
					wantError(t, err, CodeInvalid, field.name)
					return
				}
				if err != nil || got != tc.want {
					t.Fatalf("CleanName(%+q) = %+q, %v; want %+q", tc.in, got, err, tc.want)
				}
				if again, err := CleanName(field.name, got, field.max); err != nil || again != got {
					t.Fatalf("CleanName is not a fixed point: %+q then %+q, %v", got, again, err)
				}
			})
		}
	}
}

// Length is counted in characters of the stored NFC form: 40 "é" typed
// decomposed are 80 code points on the wire but 40 characters stored.
func TestCleanNameLengthAfterNFC(t *testing.T) {
	nfd := strings.Repeat("e\u0301", MaxName)
	got, err := CleanName("name", nfd, MaxName)
	if err != nil || got != strings.Repeat("\u00e9", MaxName) {
		t.Fatalf("CleanName(40 NFD é) = %+q, %v", got, err)
	}
	if _, err := CleanName("name", nfd+"e\u0301", MaxName); err == nil {
		t.Fatal("41 NFD é accepted")
	}
}

// Equivalent spellings share one key, and a key is stable: NFC, and its own
// key.
func TestPlayerKey(t *testing.T) {
	pairs := [][2]string{
		{"Νίκος", "ΝΊΚΟΣ"},
		{"straße", "STRASSE"},
		{"ſam", "SAM"},
		{"Zo\u00eb", "Zoe\u0308"},
		{"alice", "ALICE"},
		{"\u0390", "\u03aa\u0301"}, // ΐ and Ϊ́: equal only if the fold is re-normalised
		{"\u1e9e", "ss"},           // capital sharp s
		{"ﬀ", "FF"},
		{"Ω", "\u2126"}, // Greek omega and the ohm sign
	}
	for _, p := range pairs {
		a, b := PlayerKey(p[0]), PlayerKey(p[1])
		if a != b {
			t.Errorf("PlayerKey(%+q) = %+q, PlayerKey(%+q) = %+q; want equal", p[0], a, p[1], b)
		}
		for _, k := range []string{a, b} {
			if !norm.NFC.IsNormalString(k) {
				t.Errorf("key %+q is not NFC", k)
			}
			if PlayerKey(k) != k {
				t.Errorf("PlayerKey(%+q) = %+q; a key must be its own key", k, PlayerKey(k))
			}
		}
	}
	if PlayerKey("Bob") == PlayerKey("Bobby") || PlayerKey("Zoe") == PlayerKey("Zoë") {
		t.Error("different names share a key")
	}
	// Why PlayerKey normalises after folding: the fold alone leaves these
	// two canonically equal names apart.
	if f := cases.Fold(); f.String("\u0390") == f.String("\u03aa\u0301") || norm.NFC.IsNormalString(f.String("\u0390")) {
		t.Error("cases.Fold now normalises by itself; the second NFC in PlayerKey may be redundant")
	}
}

func TestDescriptionRule(t *testing.T) {
	ok := []string{"", "two\nlines", "tab\there", "crlf\r\nline", "  kept as sent  ", "👩\u200d💻 emoji", "\u202bRTL\u202c", "Zoe\u0308"}
	bad := []string{"nul\x00", "bell\a", "esc\x1b[0m", "del\x7f", "nel\u0085", "bad\xffutf8"}
	for _, d := range ok {
		m := &CreateItem{Name: "x", Description: d}
		if err := m.Validate(); err != nil || m.Description != d {
			t.Errorf("description %+q: %v, stored %+q", d, err, m.Description)
		}
	}
	for _, d := range bad {
		wantError(t, (&CreateItem{Name: "x", Description: d}).Validate(), CodeInvalid, "description")
		wantError(t, (&UpdateItem{ID: 1, Description: ptr(d)}).Validate(), CodeInvalid, "description")
	}
}
