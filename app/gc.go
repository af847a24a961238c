package app

import "github.com/bytedance/gopkg/util/gctuner"

// DefaultGCHeapMB is where the collector's tuning stops raising GOGC.
const DefaultGCHeapMB = 64

// tuneGC lets the heap grow towards mb before the garbage collector runs:
// GOGC is tuned after each collection, between 50 and 500, from the heap
// in use. The writer's live heap is a few MB but it allocates over 100 MB
// a second, so at GOGC=100 the server collected ~30 times a second and the
// writer goroutine waited in gcStart for almost half of its time (runtime
// trace of the writes benchmark). A crowd of idle connections has a heap
// above mb and collects as before, or more often. The tuner is the
// process's, like GOGC: the last server started sets it.
func tuneGC(mb int64) {
	if mb > 0 {
		gctuner.Tuning(uint64(mb) << 20)
	}
}
