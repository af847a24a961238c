// Command loadgen drives a livedash server over real WebSocket connections
// (listeners and writers speaking the wire contract) and reports throughput,
// ack and delivery latency percentiles, errors by code, a per-connection
// seq gap/duplicate check and the server's RSS. See README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	"time"
)

// Exit codes.
const (
	exitOK        = 0
	exitSetup     = 1 // bad flags, server unreachable
	exitCheckFail = 2 // the run completed but the seq check failed, a connection failed, or it was cut short
)

func main() {
	os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr))
}

func realMain(args []string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		fmt.Fprintln(stderr, "loadgen:", err)
		return exitSetup
	}

	if err := checkFDLimit(cfg.Listeners + cfg.Writers); err != nil {
		fmt.Fprintln(stderr, "loadgen:", err)
		return exitSetup
	}

	ctx, cancel := context.WithTimeout(context.Background(), cfg.Deadline)
	defer cancel()
	ctx, stopSignals := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stopSignals()

	// Last resort: whatever happens, the process ends shortly after the
	// hard deadline (the run itself stops at it and reports).
	watchdog := time.AfterFunc(cfg.Deadline+20*time.Second, func() {
		fmt.Fprintln(stderr, "loadgen: hard deadline passed, exiting")
		os.Exit(3)
	})
	defer watchdog.Stop()

	if cfg.CPUProfile != "" {
		stop, err := startCPUProfile(cfg.CPUProfile)
		if err != nil {
			fmt.Fprintln(stderr, "loadgen:", err)
			return exitSetup
		}
		defer stop()
	}
	res, err := runLoad(ctx, cfg, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "loadgen:", err)
		return exitSetup
	}
	if cfg.JSON {
		if err := writeJSON(stdout, res); err != nil {
			fmt.Fprintln(stderr, "loadgen:", err)
			return exitSetup
		}
	} else {
		if !cfg.NoHeader {
			writeTableHeader(stdout)
		}
		writeTableRow(stdout, res)
	}
	if !cfg.Quiet {
		writeDetails(stderr, res)
	}
	if !res.CheckOK || res.ConnsFailed > 0 || res.Aborted != "" {
		return exitCheckFail
	}
	return exitOK
}

// startCPUProfile profiles loadgen itself: on a shared machine its CPU is
// CPU the server does not get, so it is worth knowing where it goes.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}
