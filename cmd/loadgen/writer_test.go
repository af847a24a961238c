package main

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
)

func newTestRand() *rand.Rand { return rand.New(rand.NewPCG(1, 2)) }

func TestEncodeRequest(t *testing.T) {
	prefix := []byte("ab12cd34-w3-")
	for op := opKind(0); op < numOps; op++ {
		b := encodeRequest(nil, op, prefix, 17, 42, "ab12cd34", 3)
		var req struct {
			Type string         `json:"type"`
			ID   string         `json:"id"`
			Data map[string]any `json:"data"`
		}
		if err := json.Unmarshal(b, &req); err != nil {
			t.Fatalf("%s: %s is not JSON: %v", op, b, err)
		}
		if req.Type != op.String() || req.ID != "ab12cd34-w3-17" {
			t.Errorf("%s: %s", op, b)
		}
		switch op {
		case opScoreIncrement:
			if req.Data["id"] != 42.0 || req.Data["by"] != 1.0 {
				t.Errorf("%s", b)
			}
		case opScoreCreate:
			if p, _ := req.Data["player"].(string); p != "lg-ab12cd34-w3-p17" || len(p) > 64 {
				t.Errorf("%s", b)
			}
		case opItemCreate, opItemUpdate:
			if n, _ := req.Data["name"].(string); n == "" || len(n) > 200 {
				t.Errorf("%s", b)
			}
		case opScoreDelete, opItemDelete, opScoreUpdate:
			if req.Data["id"] != 42.0 {
				t.Errorf("%s", b)
			}
		}
	}
}

func TestReqNum(t *testing.T) {
	w := &writer{prefix: []byte("run-w1-")}
	if n, ok := w.reqNum([]byte("run-w1-123")); !ok || n != 123 {
		t.Errorf("got %d %v", n, ok)
	}
	for _, id := range []string{"run-w2-5", "run-w1-", "run-w1-x", "", "other"} {
		if _, ok := w.reqNum([]byte(id)); ok {
			t.Errorf("%q accepted", id)
		}
	}
}

func TestPopMineAndPickTarget(t *testing.T) {
	mine := []int64{1, 2}
	if popMine(&mine) != 2 || popMine(&mine) != 1 || popMine(&mine) != 0 {
		t.Error("popMine order")
	}
	w := &writer{}
	w.rng = newTestRand()
	if w.pickTarget(nil, nil) != 0 {
		t.Error("no targets")
	}
	seen := map[int64]bool{}
	for i := 0; i < 200; i++ {
		seen[w.pickTarget([]int64{1, 2}, []int64{3})] = true
	}
	if len(seen) != 3 {
		t.Errorf("targets picked: %v", seen)
	}
}
