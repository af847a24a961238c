package main

import (
	"fmt"
	"syscall"
	"time"
)

// checkFDLimit makes sure the process may open conns sockets (plus some
// slack). Go raises the soft RLIMIT_NOFILE to the hard one at start-up, so
// the hard limit is what counts.
func checkFDLimit(conns int) error {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return nil // cannot tell; let the dials report it
	}
	need := uint64(conns) + 64
	if rl.Cur < need && rl.Max >= need {
		rl.Cur = need
		if syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl) == nil {
			return nil
		}
	}
	if rl.Cur < need {
		return fmt.Errorf("%d connections need %d file descriptors, the limit is %d (ulimit -n)", conns, need, rl.Cur)
	}
	return nil
}

// selfUsage is this process's CPU time (user+system) and max RSS so far.
func selfUsage() (cpu time.Duration, maxRSS int64) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0, 0
	}
	cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return cpu, ru.Maxrss * 1024 // Linux reports kB
}
