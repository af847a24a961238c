package outbox

import (
	"errors"
	"os"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
)

// Closing is one state that only moves forward; the first Finish decides
// the close.
func TestStateMovesForward(t *testing.T) {
	cases := []struct {
		name       string
		steps      func(o *Outbox)
		want       State
		code       int
		reason     string
		wantClosed bool // the writing side ends
	}{
		{"new", func(o *Outbox) {}, Open, NoCloseFrame, "", false},
		{"stop", func(o *Outbox) { o.Stop() }, Stopping, NoCloseFrame, "", false},
		{"stop twice", func(o *Outbox) { o.Stop(); o.Stop() }, Stopping, NoCloseFrame, "", false},
		{"finish", func(o *Outbox) { o.Finish(4000, "first", false) }, Closed, 4000, "first", true},
		{"stop, then finish", func(o *Outbox) { o.Stop(); o.Finish(4000, "first", true) }, Closed, 4000, "first", true},
		{"the first finish wins", func(o *Outbox) {
			o.Finish(4000, "first", false)
			o.Finish(4001, "second", true)
		}, Closed, 4000, "first", true},
		{"stop after finish stays closing", func(o *Outbox) { o.Finish(4000, "first", false); o.Stop() }, Closed, 4000, "first", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o, _ := open(t, NewPool(testConfig()), nil)
			tc.steps(o)
			if tc.wantClosed {
				select {
				case <-o.Done():
				case <-time.After(wait):
					t.Fatal("the writing side never ended")
				}
			}
			if got := o.State(); got != tc.want {
				t.Fatalf("state = %v, want %v", got, tc.want)
			}
			if code, reason := o.CloseCode(); code != tc.code || reason != tc.reason {
				t.Fatalf("close = %d %q, want %d %q", code, reason, tc.code, tc.reason)
			}
		})
	}
}

// The owner of the turn writes the close: a draining close writes what is
// queued first, any other close drops it, and no close frame at all is
// sent for NoCloseFrame. Nothing is written after the close.
func TestCloseWritesDrainThenCloseFrame(t *testing.T) {
	cases := []struct {
		name  string
		code  int
		drain bool
		want  []string // frames the peer reads before the close
	}{
		{"drain", 4000, true, []string{"a", "b"}},
		{"no drain", 4000, false, nil},
		{"no close frame", NoCloseFrame, true, []string{"a", "b"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			server, client := socketPair(t)
			o := new(Outbox)
			NewPool(testConfig()).Open(o, server)
			got := readAll(client)
			o.Send(textFrame("a"), textFrame("b")) // the opener owns the turn: queued only
			o.Finish(tc.code, "bye", tc.drain)
			o.Release()
			select {
			case <-o.Done():
			case <-time.After(wait):
				t.Fatal("the writing side never ended")
			}
			o.Send(textFrame("late"))
			o.mu.Lock()
			owned := o.owned
			o.mu.Unlock()
			if !owned {
				t.Fatal("the closer gave the turn back: a frame queued after the close could be written")
			}
			for _, want := range tc.want {
				expect(t, got, want)
			}
			if tc.code == NoCloseFrame {
				server.NetConn().Close()
				if m := next(t, got); m.err == nil {
					t.Fatalf("peer read %q after the writing ended, want no more", m.data)
				} else if websocket.IsCloseError(m.err, tc.code) {
					t.Fatalf("peer read a close frame: %v", m.err)
				}
				return
			}
			expectClose(t, got, tc.code)
		})
	}
}

// Once the writing side is done, the reader's deadline is the one it set,
// whatever the reader asks for: a moment to read the peer's answer after a
// close frame of ours, none after 1000 (which answers the peer's) or
// without a close frame.
func TestFinalReadDeadlineWins(t *testing.T) {
	cases := []struct {
		name   string
		code   int
		linger bool
	}{
		{"our close frame", 4000, true},
		{"answering the peer's close", CloseNormal, false},
		{"no close frame", NoCloseFrame, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig()
			cfg.WriteWait = 300 * time.Millisecond // the linger is min(WriteWait, 1s)
			server, _ := socketPair(t)
			o := new(Outbox)
			NewPool(cfg).Open(o, server)
			if err := o.ExtendReadDeadline(time.Hour); err != nil {
				t.Fatal(err)
			}
			before := time.Now()
			o.Finish(tc.code, "", false)
			o.Release()
			<-o.Done()
			after := time.Now()
			final := time.Unix(0, o.finalRead.Load())
			if tc.linger && final.Before(before.Add(cfg.WriteWait)) {
				t.Fatalf("the reader's last deadline is %v after the close began, want the linger of %v", final.Sub(before), cfg.WriteWait)
			}
			if !tc.linger && final.After(after) {
				t.Fatalf("the reader's last deadline is %v after the close ended, want none", final.Sub(after))
			}
			if err := o.ExtendReadDeadline(time.Hour); !errors.Is(err, ErrClosing) {
				t.Fatalf("ExtendReadDeadline after the close = %v, want ErrClosing", err)
			}
			read := make(chan error, 1)
			go func() {
				_, _, err := server.NextReader()
				read <- err
			}()
			select {
			case err := <-read:
				if !errors.Is(err, os.ErrDeadlineExceeded) {
					t.Fatalf("read ended with %v, want its deadline", err)
				}
			case <-time.After(wait):
				t.Fatal("the reader's deadline was extended past the close")
			}
		})
	}
}

// Done's channel is made by its first call: asked for before the writing
// side ends, it closes then; asked for after, it is closed already.
func TestDoneBeforeAndAfterTheEnd(t *testing.T) {
	for _, tc := range []struct {
		name  string
		early bool
	}{{"asked before the end", true}, {"asked after the end", false}} {
		t.Run(tc.name, func(t *testing.T) {
			o, _ := open(t, NewPool(testConfig()), nil)
			var done <-chan struct{}
			if tc.early {
				done = o.Done()
				select {
				case <-done:
					t.Fatal("Done is closed while the writing side is open")
				default:
				}
			}
			o.Finish(4000, "end", false)
			waitFor(t, "the writing side to end", func() bool {
				o.mu.Lock()
				defer o.mu.Unlock()
				return o.writesDone
			})
			if !tc.early {
				done = o.Done()
			}
			select {
			case <-done:
			case <-time.After(wait):
				t.Fatal("Done never closed")
			}
		})
	}
}
