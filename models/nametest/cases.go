// Package nametest is the name rule (models.CleanName) as one table of
// cases, so the tests of models, store and ws check the same rule against
// the same inputs instead of each keeping a copy.
package nametest

import "testing"

// Case is one input to the name rule.
type Case struct {
	Name string
	In   string
	Want string // the stored name; "" means invalid
}

// Cases returns the whole table, a fresh slice on every call.
func Cases() []Case {
	return []Case{
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
}

// Sample returns the named cases, in the order named, for a test that runs
// the rule through a slower path (a store, a socket) and needs only a few.
// An unknown name fails tb, so a renamed case cannot drop out silently.
func Sample(tb testing.TB, names ...string) []Case {
	tb.Helper()
	byName := make(map[string]Case)
	for _, c := range Cases() {
		byName[c.Name] = c
	}
	out := make([]Case, 0, len(names))
	for _, n := range names {
		c, ok := byName[n]
		if !ok {
			tb.Fatalf("nametest: no case named %q", n)
		}
		out = append(out, c)
	}
	return out
}
