//go:build !(linux && cgo)

package store

// keepSQLiteHeap: the trim threshold it raises is glibc's (sqlite_heap.go).
func keepSQLiteHeap() {}
