//go:build linux && cgo

package store

/*
#include <malloc.h>

// keep_heap raises glibc's trim threshold; 0 where the C library has none
// (musl), so the build never depends on which libc links.
static int keep_heap(int bytes) {
#ifdef M_TRIM_THRESHOLD
	return mallopt(M_TRIM_THRESHOLD, bytes);
#else
	(void)bytes;
	return 0;
#endif
}
*/
import "C"

// heapKeep is how much free memory at the top of a malloc heap glibc may
// keep instead of handing it back to the kernel.
const heapKeep = 8 << 20

// keepSQLiteHeap stops glibc from returning the writer's malloc heap to the
// kernel after every statement. SQLite opens an in-memory statement journal
// for each statement that may abort half-way (our UPDATE ... RETURNING and
// multi-row INSERTs) and allocates it in 64 KiB chunks (the default
// SQLITE_STMTJRNL_SPILL). Freed at the statement's end, a chunk leaves more
// than the default 128 KiB trim threshold free at the top of the cgo
// thread's arena, so glibc gave it back with madvise and the next statement
// faulted it in again. Under the writes benchmark that churn (madvise's TLB
// flushes, page faults, sysmalloc) was about a sixth of the server's CPU
// (perf, 2026-12-07). Keeping up to heapKeep costs at most that much memory,
// and only where the writer has used it before.
func keepSQLiteHeap() { C.keep_heap(C.int(heapKeep)) }
