package client_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/fasthttp/websocket"

	"livedash/app/apptest"
	"livedash/client"
)

// scriptedServer plays one script per WebSocket connection: the frames it
// sends, in order, after which it reads until the client goes. It records
// each connection's query.
type scriptedServer struct {
	*httptest.Server
	mu      sync.Mutex
	scripts [][]string
	queries []url.Values
}

func newScriptedServer(tb testing.TB, scripts ...[]string) *scriptedServer {
	tb.Helper()
	s := &scriptedServer{scripts: scripts}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	tb.Cleanup(s.Close)
	return s
}

// closeNow in a script makes the server close the connection with 1001 as
// a stopping server does; a nil script closes it before any frame.
const closeNow = "!close"

func (s *scriptedServer) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	n := len(s.queries)
	s.queries = append(s.queries, r.URL.Query())
	s.mu.Unlock()
	if n >= len(s.scripts) {
		http.Error(w, `{"error":{"code":"internal","message":"out of scripts"}}`, http.StatusServiceUnavailable)
		return
	}
	up := websocket.Upgrader{}
	conn, err := up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer conn.Close()
	script := s.scripts[n]
	if script == nil {
		script = []string{closeNow}
	}
	for _, f := range script {
		if f == closeNow {
			_ = conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseGoingAway, "server shutting down"))
			return
		}
		if conn.WriteMessage(websocket.TextMessage, []byte(f)) != nil {
			return
		}
	}
	for {
		if _, _, err := conn.ReadMessage(); err != nil {
			return
		}
	}
}

func (s *scriptedServer) query(i int) url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.queries[i]
}

func scriptedEvent(seq int64) string {
	return fmt.Sprintf(`{"type":"score.updated","seq":%d,"data":{"id":1,"player":"Alice","points":%d,"version":%d},"actor":{"client":"old-server","name":"Bob"},"at":"2026-11-30T10:00:00Z"}`, seq, seq, seq)
}

// A repeated event is dropped; a skipped seq ends the connection, and the
// next one asks to resume from before the gap, so the stream has each seq
// once, in order.
func TestGapResumesAndRepeatsAreDropped(t *testing.T) {
	srv := newScriptedServer(t,
		[]string{
			`{"type":"welcome","data":{"seq":5,"epoch":"e1","client":"x","name":""}}`,
			scriptedEvent(6), scriptedEvent(7), scriptedEvent(7), scriptedEvent(9),
		},
		[]string{
			`{"type":"welcome","data":{"seq":10,"epoch":"e1","client":"x","name":"","resumed":true}}`,
			scriptedEvent(8), scriptedEvent(9), scriptedEvent(10),
		},
	)
	logged := &errorLog{}
	c, rec := dial(t, srv.URL, client.Options{ClientID: "gap-test", Logger: slog.New(logged)})
	evs := rec.WaitSeq(10)
	apptest.RequireConsecutive(t, evs, 6, 10)
	if q := srv.query(1); q.Get("since") != "7" || q.Get("epoch") != "e1" || q.Get("client") != "gap-test" {
		t.Fatalf("second connection asked %v, want since 7 in epoch e1", q)
	}
	d, ok := rec.WaitType(client.TypeDisconnected, 1).Disconnect()
	if !ok || !strings.Contains(d.Error, "gap") || d.Code != 0 {
		t.Fatalf("disconnected %+v does not name the gap", d)
	}
	// A server before v1.1 names actors by client id: the name still
	// comes through, and nothing depends on the id.
	if a := evs[0].Actor; a == nil || a.Name != "Bob" || a.ID != "" {
		t.Fatalf("actor %+v", a)
	}
	if got := logged.messages(); len(got) != 2 || !strings.Contains(got[0], "repeated") || !strings.Contains(got[1], "skipped") {
		t.Fatalf("logged %q, want the repeat and the gap", got)
	}
	if err := c.WaitSeq(apptest.Ctx(t), 10); err != nil {
		t.Fatal(err)
	}
	if seq, epoch := c.Position(); seq != 10 || epoch != "e1" {
		t.Fatalf("Position %d %s", seq, epoch)
	}
}

// errorLog keeps the messages of the errors a client logs.
type errorLog struct {
	mu   sync.Mutex
	msgs []string
}

func (l *errorLog) Enabled(_ context.Context, lv slog.Level) bool { return lv >= slog.LevelError }
func (l *errorLog) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.msgs = append(l.msgs, r.Message)
	return nil
}
func (l *errorLog) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *errorLog) WithGroup(string) slog.Handler      { return l }

func (l *errorLog) messages() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.msgs...)
}

// A connection closed before its welcome, after the first, is one more
// failed attempt: the client goes on reconnecting and resumes.
func TestReconnectsAfterAConnectionClosedBeforeItsWelcome(t *testing.T) {
	srv := newScriptedServer(t,
		[]string{`{"type":"welcome","data":{"seq":5,"epoch":"e1"}}`, scriptedEvent(6), closeNow},
		nil, // closed before the welcome, as by a server stopping
		nil,
		[]string{`{"type":"welcome","data":{"seq":7,"epoch":"e1","resumed":true}}`, scriptedEvent(7)},
	)
	c, rec := dial(t, srv.URL, client.Options{})
	apptest.RequireConsecutive(t, rec.WaitSeq(7), 6, 7)
	if q := srv.query(3); q.Get("since") != "6" {
		t.Fatalf("the fourth connection asked %v, want since 6", q)
	}
	if w := c.Welcome(); !w.Resumed || c.ConnState() != client.Live {
		t.Fatalf("welcome %+v, state %s", w, c.ConnState())
	}
}
