package models

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mtibben/confusables"
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// The name rule. Every name a person types and others read — item.name,
// score.player, the presence name (WebSocket ?name=) and the REST
// X-Livedash-Name header — goes through CleanName, so the rule lives here
// once:
//
//  1. It must be valid UTF-8.
//  2. Leading and trailing white space is trimmed (unicode.IsSpace).
//  3. It is normalised to NFC, so "Zoë" typed as one code point or as
//     "e" + combining diaeresis is stored the same way.
//  4. It must not hold a control character (category Cc: NUL, tab, newline,
//     ESC, ...) or an invisible format character (category Cf: zero-width
//     space U+200B, BOM U+FEFF, bidi overrides like U+202E, ...): these make
//     two names that look identical differ, or make a name render as
//     something else.
//  5. Its length, in code points of the stored (NFC) form, is 1..max.
//
// The result is a fixed point: CleanName of its own output returns it
// unchanged (NFC never turns a character into white space or back), so a
// stored name always passes the rule again.

// CleanName applies the name rule to value and returns the name to store.
// A failure is an invalid *Error naming field.
func CleanName(field, value string, max int) (string, error) {
	if !utf8.ValidString(value) {
		return "", Errorf(CodeInvalid, field, "%s must be valid UTF-8", field)
	}
	v := norm.NFC.String(strings.TrimSpace(value))
	for _, r := range v {
		if unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r) {
			return "", Errorf(CodeInvalid, field, "%s must not contain control or invisible characters (found U+%04X)", field, r)
		}
	}
	switch n := utf8.RuneCountInString(v); {
	case n == 0:
		return "", Errorf(CodeInvalid, field, "%s must not be empty or only spaces", field)
	case n > max:
		return "", Errorf(CodeInvalid, field, "%s must have at most %d characters, not %d", field, max, n)
	}
	return v, nil
}

// cleanOptionalName cleans a name by CleanName's rule unless the change
// leaves it out (nil); on an error it returns name as it was.
func cleanOptionalName(field string, name *string, max int) (*string, error) {
	if name == nil {
		return nil, nil
	}
	clean, err := CleanName(field, *name, max)
	if err != nil {
		return name, err
	}
	return &clean, nil
}

// PlayerKey is the form under which player names are unique, so that names
// that only look alike are one player (contract: Strict input):
//
//	fold(skeleton(fold(NFKC(name))))
//
// fold is the 1.1 rule: full Unicode case folding of the NFC form,
// normalised to NFC again. That second NFC is needed: folding can decompose
// ("ΐ" U+0390 folds to ι + U+0308 + U+0301), while a canonically equal
// spelling folds to a composed-then-combining sequence ("Ϊ́" U+03AA U+0301
// folds to U+03CA U+0301); only NFC after folding gives both the same key.
// So "ΝΊΚΟΣ" and "Νίκος", "STRASSE" and "straße", "SAM" and "ſam" each share
// one key.
//
// skeleton is Unicode TS #39's confusable skeleton, so "Alice" and "Аlice"
// (Cyrillic А) share one key, and so do "Sam" and "Sarn" (m looks like rn).
// Its table (confusables.txt) leaves out most characters that differ from
// another only by a compatibility mapping: it maps full-width "ａ" to "a" but
// not "ｒ" to "r". NFKC first supplies those, so every full-width,
// mathematical, circled or ligature spelling keys as its plain letters
// ("Ａｌｉｃｅ", "Ｑｕｉｎｎ", "𝐀lice").
//
// The skeleton is folded again because some of its prototypes are capitals
// ("0" becomes "O"): "B0B" looks like "BOB", which is "bob". The fold's NFC
// also keeps keys readable: plain names key as their lower case, where the
// bare skeleton would be NFD. A key is not always its own key (some sixty
// rare characters, such as "Ϛ" whose prototype "σ" has the
// prototype "o", move again in a second round); that does not matter, since
// keys are only ever computed from names.
//
// Changing this function changes keys: the store recomputes every stored
// key at startup (store/migrate_keys.go), so it applies to old rows too.
func PlayerKey(player string) string {
	return foldName(skeleton(foldName(norm.NFKC.String(player))))
}

// foldName is full case folding between NFC normalisations (see PlayerKey).
func foldName(s string) string {
	return norm.NFC.String(cases.Fold().String(norm.NFC.String(s)))
}

// skeleton is TS #39's skeleton(X): NFD, then remove Default_Ignorable_Code_Point
// characters, then replace each character by its prototype from Unicode's
// confusables.txt, then NFD again. github.com/mtibben/confusables holds the
// table (from Unicode 13.0) and does the other steps; the removal step came
// into TS #39 after that version, so it is done here.
func skeleton(s string) string {
	return confusables.Skeleton(strings.Map(func(r rune) rune {
		if defaultIgnorable(r) {
			return -1
		}
		return r
	}, norm.NFD.String(s)))
}

// defaultIgnorable is Unicode's derived property Default_Ignorable_Code_Point,
// built as DerivedCoreProperties.txt defines it from the properties the
// unicode package has: Other_Default_Ignorable_Code_Point, Cf and
// Variation_Selector, less White_Space, the interlinear annotation
// characters, the Egyptian hieroglyph format controls and
// Prepended_Concatenation_Mark, which are visible.
func defaultIgnorable(r rune) bool {
	if r < 0xAD { // the first one is U+00AD SOFT HYPHEN; names are mostly ASCII
		return false
	}
	if !unicode.In(r, unicode.Other_Default_Ignorable_Code_Point, unicode.Cf, unicode.Variation_Selector) {
		return false
	}
	switch {
	case unicode.Is(unicode.White_Space, r), unicode.Is(unicode.Prepended_Concatenation_Mark, r):
		return false
	case r >= 0xFFF9 && r <= 0xFFFB, r >= 0x13430 && r <= 0x1343F:
		return false
	}
	return true
}

// checkDescription applies the description rule. Descriptions are free text
// and are stored as sent (not trimmed, not normalised); they may span lines,
// so tab, newline and carriage return are allowed, but every other control
// character (NUL, ESC, DEL, the C1 range, ...) is invalid: none of them has
// a use in text a person reads. Format characters (Cf) are allowed, since
// emoji sequences (ZWJ) and right-to-left text need them; the contract fixes
// that rule for names only.
func checkDescription(value string) error {
	if !utf8.ValidString(value) {
		return Errorf(CodeInvalid, "description", "description must be valid UTF-8")
	}
	n := 0
	for _, r := range value {
		n++
		if unicode.Is(unicode.Cc, r) && r != '\t' && r != '\n' && r != '\r' {
			return Errorf(CodeInvalid, "description", "description must not contain control characters other than tab and line breaks (found U+%04X)", r)
		}
	}
	if n > MaxItemDescription {
		return Errorf(CodeInvalid, "description", "description must have at most %d characters, not %d", MaxItemDescription, n)
	}
	return nil
}
