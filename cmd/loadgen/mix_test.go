package main

import "testing"

func TestParseMix(t *testing.T) {
	m, err := parseMix("increment=70, item.update=20,item.create=10")
	if err != nil {
		t.Fatal(err)
	}
	if m.total != 100 || len(m.kinds) != 3 || m.kinds[0] != opScoreIncrement {
		t.Fatalf("got %+v", m)
	}
	if m.String() != "score.increment=70,item.update=20,item.create=10" {
		t.Errorf("String() = %q", m.String())
	}
	if !m.needsScores() || !m.needsItems() {
		t.Error("needs")
	}
	counts := map[opKind]int{}
	for r := 0; r < m.total; r++ {
		counts[m.pick(r)]++
	}
	if counts[opScoreIncrement] != 70 || counts[opItemUpdate] != 20 || counts[opItemCreate] != 10 {
		t.Errorf("pick distribution %v", counts)
	}
	m, err = parseMix("score.create=1,score.delete=0")
	if err != nil || len(m.kinds) != 1 || m.needsScores() || m.needsItems() {
		t.Errorf("zero weight: %+v %v", m, err)
	}
}

func TestParseMixErrors(t *testing.T) {
	for _, s := range []string{"", "increment", "increment=x", "increment=-1", "bogus=1",
		"increment=0", "increment=1,score.increment=2", "ping=1"} {
		if _, err := parseMix(s); err == nil {
			t.Errorf("%q: want an error", s)
		}
	}
}
