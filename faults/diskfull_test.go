package faults

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"livedash/app/apptest"
	"livedash/client"
	"livedash/models"
)

// With the disk full, a mutation fails with internal, promptly, and leaves
// no trace: nothing is broadcast, the state and the log are as before, reads
// still answer. Once there is room again the next mutation gets the next
// seq, as if the failure had never happened.
//
// The disk is a small tmpfs filled with a file. Making the file system
// read-only instead is not possible: a remount read-only fails with EBUSY
// while the server holds the database open for writing.
func TestDiskFullFailsCleanlyAndRecovers(t *testing.T) {
	// The disk must be big enough that freeing the filler leaves room for
	// SQLite's next checkpoint, which copies the WAL (up to 4 MB) into the
	// database file; on a smaller disk the checkpoint fills it up again.
	dir := mountSmallTmpfs(t, "32m")
	srv := startServer(t, filepath.Join(dir, "full.db"), "--rate", "1000000", "--burst", "1000000")
	listener := apptest.NewStream(t)
	lc := srv.dialClient(t, client.Options{ClientID: "full-listener", OnEvent: listener.Add})
	writer := srv.dialClient(t, client.Options{ClientID: "full-writer"})
	ctx := apptest.Ctx(t)
	// Enough writes first that SQLite checkpoints and starts its WAL file
	// over: after the disk fills, writes go on into the WAL's old pages
	// until one needs a new page and fails, so the failure comes in the
	// middle of a stream of successes. Concurrent calls go out pipelined.
	desc := strings.Repeat("d", 2000)
	const warmup = 400
	warm := make(chan error, warmup)
	for n := 0; n < warmup; n++ {
		go func() {
			_, _, err := writer.CreateItem(ctx, client.NewItem{Name: fmt.Sprint("warm-", n), Description: desc})
			warm <- err
		}()
	}
	for range warmup {
		if err := <-warm; err != nil {
			t.Fatalf("warm-up: %v", err)
		}
	}
	before, _ := srv.state(t)
	filler := fillDisk(t, dir)

	last := before.Seq // the last acked seq
	var failed *models.Error
	var failedID string
	for n := 0; n < 5000 && failed == nil; n++ {
		id := fmt.Sprint("full-", n)
		_, seq, err := writer.CreateItem(client.WithRequestID(ctx, id), client.NewItem{Name: id, Description: desc})
		if err == nil {
			if seq != last+1 {
				t.Fatalf("%s acked with seq %d, want %d", id, seq, last+1)
			}
			last = seq
			continue
		}
		if !errors.As(err, &failed) {
			t.Fatalf("%s: %v", id, err)
		}
		failedID = id
	}
	if failed == nil {
		t.Fatalf("5000 mutations succeeded on a full disk")
	}
	if failed.Code != models.CodeInternal {
		t.Fatalf("the failed write got %v, want internal", failed)
	}
	for _, leak := range []string{"disk", "full", "sqlite", "database", "SQL"} {
		if strings.Contains(strings.ToLower(failed.Message), strings.ToLower(leak)) {
			t.Fatalf("the internal error reveals %q: %v", leak, failed)
		}
	}
	t.Logf("%d writes went through on the full disk, then one failed: %v", last-before.Seq, failed)

	srv.requireHealthy(t)
	st, _ := srv.state(t)
	if st.Seq != last {
		t.Fatalf("state at seq %d after the failed write, want the last ack's %d", st.Seq, last)
	}
	requireNoItem(t, st, failedID)
	listener.WaitSeq(last)

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	// The failure was not remembered, so the retry under the same client
	// and request id (from a new connection, as a client that reconnects
	// would) is applied now, with the next seq.
	writer.Close()
	writer = srv.dialClient(t, client.Options{ClientID: "full-writer"})
	_, retry, err := writer.CreateItem(client.WithRequestID(ctx, failedID), client.NewItem{Name: failedID, Description: desc})
	if err != nil || retry != last+1 {
		t.Fatalf("after freeing the disk: seq %d, %v; want an ack with seq %d\n%s", retry, err, last+1, srv.logTail(12))
	}
	_, next, err := writer.IncrementScore(client.WithRequestID(ctx, "after-full"), 1, 1)
	if err != nil || next != last+2 {
		t.Fatalf("the next mutation: seq %d, %v; want seq %d\n%s", next, err, last+2, srv.logTail(12))
	}
	events := listener.WaitSeq(next)
	apptest.RequireConsecutive(t, events, lc.Welcome().Seq+1, next)
	if n := listener.Count(client.TypeDisconnected); n != 0 {
		t.Fatalf("the listener was dropped %d times", n)
	}
	for _, ev := range events {
		if ev.Seq <= last && strings.Contains(string(ev.Data), `"name":"`+failedID+`"`) {
			t.Fatalf("the failed write was broadcast: %s", ev.Raw)
		}
	}
	st, _ = srv.state(t)
	log := srv.events(t)
	requireConsecutive(t, log)
	requireLogFoldsToState(t, log, st)
}

// mountSmallTmpfs mounts a tmpfs of the given size on a fresh directory and
// unmounts it at cleanup, after the server (started later) is gone. It
// skips the test where mounting is not permitted.
func mountSmallTmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "disk")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput()
	if err != nil {
		// CI runs as root and sets LIVEDASH_TMPFS=required, so the test
		// cannot pass there by skipping.
		msg := fmt.Sprintf("cannot mount a tmpfs (needs root with CAP_SYS_ADMIN): %v: %s", err, out)
		if os.Getenv("LIVEDASH_TMPFS") == "required" {
			t.Fatal(msg + " (LIVEDASH_TMPFS=required)")
		}
		t.Skip(msg + " (LIVEDASH_TMPFS=required makes this fail)")
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// fillDisk writes a file until the file system is full and returns its path.
func fillDisk(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for i := 0; i < 1<<20; i++ { // far more than any small disk holds
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("fill the disk: %v", err)
			}
			// Whatever bytes of a page are left go too.
			for j := 0; j < len(chunk); j++ {
				if _, err := f.Write(chunk[:1]); err != nil {
					break
				}
			}
			return path
		}
	}
	t.Fatal("the disk never filled")
	return ""
}

func requireNoItem(tb testing.TB, st models.State, name string) {
	tb.Helper()
	for _, it := range st.Items {
		if it.Name == name {
			tb.Fatalf("the failed write's item %q is in the state: %+v", name, it)
		}
	}
}
