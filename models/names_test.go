package models

import (
	"strings"
	"testing"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"

	"livedash/models/nametest"
)

func TestCleanName(t *testing.T) {
	for _, field := range []struct {
		name string
		max  int
	}{{"name", MaxItemName}, {"player", MaxPlayer}, {"name", MaxName}} {
		for _, tc := range nametest.Cases() {
			t.Run(field.name+"/"+tc.Name, func(t *testing.T) {
				got, err := CleanName(field.name, tc.In, field.max)
				if tc.Want == "" {
					wantError(t, err, CodeInvalid, field.name)
					return
				}
				if err != nil || got != tc.Want {
					t.Fatalf("CleanName(%+q) = %+q, %v; want %+q", tc.In, got, err, tc.Want)
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

// Names that look alike are one player: the key is the TS #39 skeleton of
// the folded name. Each case is a lookalike of its base name.
func TestPlayerKeyConfusables(t *testing.T) {
	same := []struct{ name, base, lookalike string }{
		{"Cyrillic capital A", "Alice", "\u0410lice"},
		{"full width", "Alice", "\uff21\uff4c\uff49\uff43\uff45"},
		{"full width letters the skeleton table leaves out", "Quinn", "\uff31\uff55\uff49\uff4e\uff4e"},
		{"circled letters", "bob", "\u24d1\u24de\u24d1"},
		{"ligature", "office", "o\ufb03ce"},
		{"no-break space", "Bob Smith", "Bob\u00a0Smith"},
		{"mathematical bold", "Alice", "\U0001d400\U0001d425\U0001d422\U0001d41c\U0001d41e"},
		{"Greek omicron", "Bob", "B\u03bfb"},
		{"Cyrillic o", "bob", "b\u043eb"},
		{"digit zero for capital O", "BOB", "B0B"},
		{"digit one for l", "Alice", "A1ice"},
		{"small roman numeral l", "Alice", "A\u217cice"},
		{"r n for m", "Sam", "Sarn"},
		{"Cyrillic capital A and case folding", "ALICE", "\u0430lice"},
		{"Greek capitals folded first", "Νίκος", "ΝΊΚΟΣ"},
		{"default ignorable: combining grapheme joiner", "Alice", "Al\u034fice"},
		{"default ignorable: variation selector", "Alice", "Alice\ufe0f"},
		{"default ignorable: Hangul filler", "Alice", "Alice\u3164"},
	}
	for _, tc := range same {
		t.Run(tc.name, func(t *testing.T) {
			if a, b := PlayerKey(tc.base), PlayerKey(tc.lookalike); a != b {
				t.Errorf("PlayerKey(%+q) = %+q, PlayerKey(%+q) = %+q; want one key", tc.base, a, tc.lookalike, b)
			}
		})
	}
	apart := []struct{ name, a, b string }{
		{"different letters", "Alice", "Alica"},
		{"extra letter", "Bob", "Bobby"},
		{"accent", "Zoe", "Zo\u00eb"},
		{"Cyrillic letter with no Latin twin", "Ivan", "\u0418van"},
		{"Cyrillic capital A is not a Cyrillic capital D", "Alice", "\u0414lice"},
	}
	for _, tc := range apart {
		t.Run("apart/"+tc.name, func(t *testing.T) {
			if PlayerKey(tc.a) == PlayerKey(tc.b) {
				t.Errorf("%+q and %+q share the key %+q", tc.a, tc.b, PlayerKey(tc.a))
			}
		})
	}
}

// The skeleton drops exactly the Default_Ignorable_Code_Point characters;
// white space and the visible format characters stay.
func TestDefaultIgnorable(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    rune
		want bool
	}{
		{"letter", 'a', false},
		{"space", ' ', false},
		{"soft hyphen (Cf)", 0x00ad, true},
		{"zero-width space (Cf)", 0x200b, true},
		{"combining grapheme joiner (Other_DICP)", 0x034f, true},
		{"variation selector", 0xfe0f, true},
		{"variation selector supplement", 0xe0100, true},
		{"Hangul filler (Other_DICP)", 0x3164, true},
		{"ogham space mark (white space)", 0x1680, false},
		{"Arabic number sign (prepended concatenation mark)", 0x0600, false},
		{"interlinear annotation anchor", 0xfff9, false},
		{"Egyptian hieroglyph vertical joiner", 0x13430, false},
		{"unassigned default ignorable", 0xe0fff, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := defaultIgnorable(tc.r); got != tc.want {
				t.Errorf("defaultIgnorable(U+%04X) = %v, want %v", tc.r, got, tc.want)
			}
		})
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
