package outbox

import (
	"errors"
	"net"
	"os"
	"syscall"
	"unsafe"
)

// rawConnOf returns the socket under nc for tryWrite, or nil when nc is
// not a socket (the pool then writes with a tryWait deadline). fasthttp's
// hijacked connection wraps the *net.TCPConn.
func rawConnOf(nc net.Conn) syscall.RawConn {
	if u, ok := nc.(interface{ UnsafeConn() net.Conn }); ok {
		nc = u.UnsafeConn()
	}
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return nil
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return raw
}

// tryWrite makes one write system call with b and never waits: Go's
// sockets are non-blocking, and the callback tells the runtime not to wait
// for the socket to become writable. A write deadline per pool write cost
// a runtime timer each (set, then fired a millisecond later, for every
// connection of every broadcast). The runtime holds the socket's write
// lock during the callback, as for any Write, so the socket cannot be
// closed under it and writes through net.Conn (the library's close frame)
// do not interleave with it.
func (o *Outbox) tryWrite(b []byte) (int, error) {
	w := o.pool.rawWrites.Get().(*rawWrite)
	w.b = b
	err := o.raw.Write(w.fn)
	n, werr := w.n, w.err
	*w = rawWrite{fn: w.fn}
	o.pool.rawWrites.Put(w)
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		// A deadline from some other write is past: let writeBehind,
		// which sets its own, write it.
		return 0, errWouldBlock
	case err != nil:
		return 0, err
	}
	return n, werr
}

// rawWrite is one tryWrite's callback and its results; recycled, because a
// closure made per write would be garbage three times for every
// connection of every broadcast (Pool.rawWrites keeps them).
type rawWrite struct {
	b   []byte
	n   int
	err error
	fn  func(fd uintptr) bool // write, bound once
}

// write is the callback: it never asks the runtime to wait for the socket.
func (w *rawWrite) write(fd uintptr) bool {
	w.n, w.err = writeNow(int(fd), w.b)
	return true
}

// writeNow writes what the socket takes of b at once; errWouldBlock when
// that is not all of it.
//
// It is a raw system call, not syscall.Write, which tells the scheduler
// that the goroutine is in a system call: the socket is non-blocking, so
// the call returns as soon as the kernel has copied what fits, like any
// function that runs for some microseconds. Announced, a ~20 µs loopback
// write often outlasted sysmon's 20 µs tick while a broadcast kept it busy,
// and sysmon could retake the P mid-write: with the server pinned to one CPU
// (GOMAXPROCS 1) a 10,000-connection crowd made ~5,800 context switches a
// second against ~750 raw, and used ~20 % more CPU (docs/BENCHMARKS.md).
func writeNow(fd int, b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	for {
		r, _, errno := syscall.RawSyscall(syscall.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
		n := int(r)
		var err error
		if errno != 0 {
			n, err = 0, errno
		}
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			return 0, errWouldBlock
		case err != nil:
			return 0, os.NewSyscallError("write", err)
		case n < len(b):
			return n, errWouldBlock
		}
		return n, nil
	}
}
