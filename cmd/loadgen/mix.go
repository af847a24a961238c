package main

import (
	"fmt"
	"strconv"
	"strings"

	"livedash/protocol"
)

// opKind is one kind of mutation a writer can send.
type opKind uint8

const (
	opScoreIncrement opKind = iota
	opScoreCreate
	opScoreUpdate
	opScoreDelete
	opItemCreate
	opItemUpdate
	opItemDelete
	numOps
)

var opTypes = [numOps]string{
	opScoreIncrement: protocol.TypeScoreIncrement,
	opScoreCreate:    protocol.TypeScoreCreate,
	opScoreUpdate:    protocol.TypeScoreUpdate,
	opScoreDelete:    protocol.TypeScoreDelete,
	opItemCreate:     protocol.TypeItemCreate,
	opItemUpdate:     protocol.TypeItemUpdate,
	opItemDelete:     protocol.TypeItemDelete,
}

func (k opKind) String() string {
	if k < numOps {
		return opTypes[k]
	}
	return "op(" + strconv.Itoa(int(k)) + ")"
}

// opAliases are the short names accepted in --mix besides the wire names.
var opAliases = map[string]opKind{
	"increment": opScoreIncrement,
	"incr":      opScoreIncrement,
}

func lookupOp(name string) (opKind, bool) {
	if k, ok := opAliases[name]; ok {
		return k, true
	}
	for k, t := range opTypes {
		if t == name {
			return opKind(k), true
		}
	}
	return 0, false
}

// mix is a weighted choice of mutation kinds.
type mix struct {
	kinds   []opKind
	weights []int
	cum     []int // cumulative weights
	total   int
}

// parseMix parses "increment=70,item.update=20,item.create=10". Weights are
// non-negative integers (they need not add up to 100); a name may appear once.
func parseMix(s string) (mix, error) {
	var m mix
	seen := map[opKind]bool{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, wstr, ok := strings.Cut(part, "=")
		if !ok {
			return mix{}, fmt.Errorf("mix entry %q: want type=weight", part)
		}
		name = strings.TrimSpace(name)
		k, ok := lookupOp(name)
		if !ok {
			return mix{}, fmt.Errorf("mix entry %q: unknown mutation %q (known: increment, %s)", part, name, strings.Join(opTypes[:], ", "))
		}
		if seen[k] {
			return mix{}, fmt.Errorf("mix: %s given twice", k)
		}
		seen[k] = true
		w, err := strconv.Atoi(strings.TrimSpace(wstr))
		if err != nil || w < 0 {
			return mix{}, fmt.Errorf("mix entry %q: weight must be a non-negative integer", part)
		}
		if w == 0 {
			continue
		}
		m.total += w
		m.kinds = append(m.kinds, k)
		m.weights = append(m.weights, w)
		m.cum = append(m.cum, m.total)
	}
	if m.total == 0 {
		return mix{}, fmt.Errorf("mix %q: no mutation with a positive weight", s)
	}
	return m, nil
}

// pick maps r in [0, total) to a kind.
func (m mix) pick(r int) opKind {
	for i, c := range m.cum {
		if r < c {
			return m.kinds[i]
		}
	}
	return m.kinds[len(m.kinds)-1]
}

func (m mix) has(k opKind) bool {
	for _, x := range m.kinds {
		if x == k {
			return true
		}
	}
	return false
}

// needsScores/needsItems: the mix targets existing records of that kind.
func (m mix) needsScores() bool { return m.has(opScoreIncrement) || m.has(opScoreUpdate) }
func (m mix) needsItems() bool  { return m.has(opItemUpdate) }

func (m mix) String() string {
	parts := make([]string, len(m.kinds))
	for i, k := range m.kinds {
		parts[i] = fmt.Sprintf("%s=%d", k, m.weights[i])
	}
	return strings.Join(parts, ",")
}
