package app

import (
	"runtime"
	"testing"
	"time"

	"github.com/bytedance/gopkg/util/gctuner"
)

// A server with a small heap collects less often than GOGC=100 would.
func TestTuneGCRaisesGOGCForASmallHeap(t *testing.T) {
	tuneGC(DefaultGCHeapMB)
	deadline := time.Now().Add(10 * time.Second)
	for gctuner.GetGCPercent() <= 100 {
		if time.Now().After(deadline) {
			t.Fatalf("GOGC stayed at %d", gctuner.GetGCPercent())
		}
		runtime.GC() // the tuner runs after each collection
	}
}
