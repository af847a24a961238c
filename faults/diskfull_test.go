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
	listener := dialPeer(t, srv, "client=full-listener", peerOptions{events: true})
	writer := dialPeer(t, srv, "client=full-writer", peerOptions{})
	// Enough writes first that SQLite checkpoints and starts its WAL file
	// over: after the disk fills, writes go on into the WAL's old pages
	// until one needs a new page and fails, so the failure comes in the
	// middle of a stream of successes.
	desc := strings.Repeat("d", 2000)
	const warmup = 400
	for n := 0; n < warmup; n++ {
		writer.mustSend(t, request("item.create", fmt.Sprint("warm-", n), map[string]any{"name": fmt.Sprint("warm-", n), "description": desc}))
	}
	if f := writer.waitReply(t, fmt.Sprint("warm-", warmup-1)); f.Type != "ack" {
		t.Fatalf("warm-up: %s", f.Raw)
	}
	before, _ := srv.state(t)
	filler := fillDisk(t, dir)

	last := before.Seq // the last acked seq
	var failed frame
	var failedID string
	for n := 0; n < 5000 && failed.Type == ""; n++ {
		id := fmt.Sprint("full-", n)
		f := writer.call(t, id, "item.create", map[string]any{"name": id, "description": desc})
		if f.Type == "ack" {
			if f.Seq != last+1 {
				t.Fatalf("ack %s, want seq %d", f.Raw, last+1)
			}
			last = f.Seq
			continue
		}
		failed, failedID = f, id
	}
	if failed.Type == "" {
		t.Fatalf("5000 mutations succeeded on a full disk")
	}
	if failed.Error == nil || failed.Error.Code != models.CodeInternal {
		t.Fatalf("the failed write got %s, want internal", failed.Raw)
	}
	for _, leak := range []string{"disk", "full", "sqlite", "database", "SQL"} {
		if strings.Contains(strings.ToLower(failed.Error.Message), strings.ToLower(leak)) {
			t.Fatalf("the internal error reveals %q: %s", leak, failed.Raw)
		}
	}
	t.Logf("%d writes went through on the full disk, then one failed: %s", last-before.Seq, failed.Raw)

	srv.requireHealthy(t)
	st, _ := srv.state(t)
	if st.Seq != last {
		t.Fatalf("state at seq %d after the failed write, want the last ack's %d", st.Seq, last)
	}
	requireNoItem(t, st, failedID)
	listener.waitSeq(t, last)

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	// The failure was not remembered, so the retry under the same client
	// and request id (from a new connection, as a client that reconnects
	// would) is applied now, with the next seq.
	writer = dialPeer(t, srv, "client=full-writer", peerOptions{})
	retry := writer.call(t, failedID, "item.create", map[string]any{"name": failedID, "description": desc})
	if retry.Type != "ack" || retry.Seq != last+1 {
		t.Fatalf("after freeing the disk: %s, want an ack with seq %d\n%s", retry.Raw, last+1, srv.logTail(12))
	}
	next := writer.call(t, "after-full", "score.increment", map[string]any{"id": 1, "by": 1})
	if next.Type != "ack" || next.Seq != last+2 {
		t.Fatalf("the next mutation: %s, want seq %d\n%s", next.Raw, last+2, srv.logTail(12))
	}
	listener.waitSeq(t, next.Seq)
	_, events, _ := listener.snapshot()
	requireGapFree(t, "listener", events, listener.welcomed(t).Seq+1, next.Seq)
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
		t.Skipf("cannot mount a tmpfs (needs root with CAP_SYS_ADMIN): %v: %s", err, out)
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
