package app_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"livedash/app/apptest"
	"livedash/client"
	"livedash/protocol"
)

// A client that never reads fills its send queue and is closed; the others
// keep receiving every event.
func TestClientThatNeverReadsIsClosedOthersKeepReceiving(t *testing.T) {
	srv := apptest.MustStartServer(t, "--send-queue", "64", "--write-wait", "5s", "--rate", "100000", "--burst", "100000")
	slow := dialNeverReading(t, srv)
	good := apptest.NewStream(t)
	srv.DialClient(t, client.Options{Name: "good", OnEvent: good.Add})
	writer := srv.DialClient(t, client.Options{Name: "writer"})
	big := strings.Repeat("x", 1990)
	// Windows of 20 keep the readers' queues (64) from overflowing while the
	// slow one's kernel buffers fill up: 3000 x 2 KB is more than they hold.
	var lastSeq int64
	for w := 0; w < 3000/20; w++ {
		var wg sync.WaitGroup
		var mu sync.Mutex
		for i := w * 20; i < (w+1)*20; i++ {
			wg.Go(func() {
				name := fmt.Sprint("c", i)
				_, seq, err := writer.CreateItem(apptest.Ctx(t), client.NewItem{Name: name, Description: big})
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					t.Errorf("%s: %v", name, err)
				}
				lastSeq = max(lastSeq, seq)
			})
		}
		wg.Wait()
		if t.Failed() {
			t.FailNow()
		}
	}
	evs := good.WaitSeq(lastSeq)
	for i := 1; i < len(evs); i++ {
		if evs[i].Seq != evs[i-1].Seq+1 {
			t.Fatalf("good client: seq %d after %d", evs[i].Seq, evs[i-1].Seq)
		}
	}
	if n := good.Count(client.TypeDisconnected); n != 0 {
		t.Fatalf("the good client was dropped %d times", n)
	}
	if drops := metric(t, srv, "livedash_send_queue_drops_total"); drops < 1 {
		t.Fatalf("send queue drops = %v, want the slow client dropped", drops)
	}
	// The slow client now reads what reached it: the stream ends before the
	// last event, with the queue-full close or a cut connection. A server
	// that dropped its frames but kept it open would leave this read
	// waiting: the deadline makes that a failure, not a hang.
	closeWait := 2*5*time.Second + apptest.DefaultWait // two write waits, then a margin
	if err := slow.SetReadDeadline(time.Now().Add(closeWait)); err != nil {
		t.Fatal(err)
	}
	var got int64
	for {
		_, data, err := slow.ReadMessage()
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("slow client still open %s after its queue overflowed (last seq %d of %d): it was never closed", closeWait, got, lastSeq)
		}
		if err != nil {
			// 1013 when the close frame got through, 1006 when the
			// server had to cut the blocked socket.
			if ce, ok := err.(*websocket.CloseError); ok && ce.Code != websocket.CloseTryAgainLater && ce.Code != websocket.CloseAbnormalClosure {
				t.Fatalf("slow client closed with %d %q, want 1013 or a cut connection", ce.Code, ce.Text)
			}
			break
		}
		var f apptest.Frame
		mustDecode(t, data, &f)
		got = max(got, f.Seq)
	}
	if got >= lastSeq {
		t.Fatalf("slow client received everything (seq %d); it was never dropped", got)
	}
}

// dialNeverReading opens a WebSocket with a tiny receive buffer and reads
// only the handshake, so the server's writes back up quickly.
func dialNeverReading(tb testing.TB, srv *apptest.Server) *websocket.Conn {
	tb.Helper()
	nd := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	d := websocket.Dialer{NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		return nd.DialContext(ctx, network, addr)
	}}
	conn, _, err := d.Dial(srv.WSURL("name=slow"), nil)
	if err != nil {
		tb.Fatalf("dial: %v", err)
	}
	tb.Cleanup(func() { conn.Close() })
	return conn
}

// A frame over the read limit gets too_large, then close 1009.
func TestOversizedFrameGetsTooLargeAnd1009(t *testing.T) {
	srv := apptest.MustStartServer(t, "--read-limit", "1024")
	c := srv.Dial(t, "")
	before := srv.State(t)
	payload := fmt.Sprintf(`{"type":"item.create","id":"big","data":{"name":"%s"}}`, strings.Repeat("n", 5000))
	// The client library sends this in fragments; the server may answer and
	// close after the first, so a failing later fragment is expected.
	_ = c.Conn.WriteMessage(websocket.TextMessage, []byte(payload))
	e := c.WaitType("error")
	if e.Error == nil || e.Error.Code != protocol.CodeTooLarge {
		t.Fatalf("got %s, want too_large", e.Raw)
	}
	if code, _ := c.WaitClose(); code != websocket.CloseMessageTooBig {
		t.Fatalf("close code %d, want 1009", code)
	}
	if after := srv.State(t); after.Seq != before.Seq {
		t.Fatalf("oversized frame changed the seq: %d -> %d", before.Seq, after.Seq)
	}
}

// Origins other than the server's own host, localhost and configured ones
// are refused before the upgrade.
func TestOriginCheck(t *testing.T) {
	srv := apptest.MustStartServer(t, "--origins", "https://dash.example.org")
	_, port, _ := net.SplitHostPort(srv.Addr)
	cases := []struct {
		name   string
		origin string
		ok     bool
	}{
		{"no origin (scripts)", "", true},
		{"own host", "http://" + srv.Addr, true},
		{"localhost other port", "http://localhost:8080", true},
		{"loopback ip", "http://127.0.0.1:" + port, true},
		{"configured", "https://dash.example.org", true},
		{"foreign", "https://evil.example.com", false},
		{"foreign with our port", "http://evil.example.com:" + port, false},
		{"garbage", "not a url", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			if tc.origin != "" {
				h.Set("Origin", tc.origin)
			}
			c, resp, err := srv.TryDial(t, "", h)
			if tc.ok {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				c.WaitType("welcome")
				return
			}
			if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
				t.Fatalf("want 403, got err %v resp %v", err, resp)
			}
		})
	}
	// REST changes from a foreign page are refused the same way; reads and
	// scripts without an Origin are not.
	before := srv.State(t).Seq
	status, body := srv.Do(t, http.MethodPost, "/api/reset", nil, http.Header{"Origin": {"https://evil.example.com"}})
	if status != http.StatusForbidden || !strings.Contains(string(body), `"forbidden"`) || srv.State(t).Seq != before {
		t.Fatalf("foreign REST write: %d %s", status, body)
	}
	if status, _ := srv.Do(t, http.MethodGet, "/api/state", nil, http.Header{"Origin": {"https://evil.example.com"}}); status != http.StatusOK {
		t.Fatalf("foreign read: %d", status)
	}
	if status, body := srv.Do(t, http.MethodPost, "/api/scores/1/increment", `{"by":1}`, http.Header{"Origin": {"http://" + srv.Addr}}); status != http.StatusOK {
		t.Fatalf("same-origin write: %d %s", status, body)
	}
}

// Past its burst, a connection gets rate_limited errors but stays usable.
func TestRateLimitAnswersWithoutClosing(t *testing.T) {
	srv := apptest.MustStartServer(t, "--rate", "1", "--burst", "5")
	stream := apptest.NewStream(t)
	c := srv.DialClient(t, client.Options{OnEvent: stream.Add})
	errs := make(chan error, 20)
	for range 20 { // concurrent calls go out back to back
		go func() { errs <- c.Ping(apptest.Ctx(t)) }()
	}
	limited := 0
	for i := 0; i < 20; i++ {
		if err := <-errs; err != nil {
			if client.CodeOf(err) != protocol.CodeRateLimited {
				t.Fatalf("reply %d: %v", i, err)
			}
			limited++
		}
	}
	if limited < 14 {
		t.Fatalf("%d of 20 were rate limited, want at least 14 with a burst of 5", limited)
	}
	// The connection is still open: events still arrive.
	_, seq, err := srv.DialClient(t, client.Options{}).IncrementScore(apptest.Ctx(t), 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	stream.WaitSeq(seq)
	if n := stream.Count(client.TypeDisconnected); n != 0 {
		t.Fatalf("the limited connection was dropped %d times", n)
	}
}

// Reset is open without a token, and needs the bearer token when one is set.
func TestReset(t *testing.T) {
	t.Run("open without a token", func(t *testing.T) {
		srv := apptest.MustStartServer(t)
		stream := apptest.NewStream(t)
		srv.DialClient(t, client.Options{OnEvent: stream.Add})
		srv.MustJSON(t, http.MethodPost, "/api/scores/1/increment", map[string]any{"by": 10}, http.StatusOK, nil)
		var res struct{ Seq int64 }
		srv.MustJSON(t, http.MethodPost, "/api/reset", nil, http.StatusOK, &res)
		evs := stream.WaitSeq(res.Seq)
		if ev := evs[len(evs)-1]; ev.Type != "state.reset" || ev.Seq != res.Seq {
			t.Fatalf("last event %s", ev.Raw)
		}
		if st := srv.State(t); st.Scores[0].Points != 42 || st.Seq != res.Seq {
			t.Fatalf("after reset: %+v", st.Scores[0])
		}
	})
	t.Run("token required", func(t *testing.T) {
		srv := apptest.MustStartServer(t, "--admin-token", "s3cret")
		cases := []struct {
			name   string
			header string // Authorization; empty: none
			ok     bool
		}{
			{"missing", "", false},
			{"wrong", "Bearer nope", false},
			{"not bearer", "s3cret", false},
			{"another scheme", "Basic s3cret", false},
			{"no token", "Bearer", false},
			{"right", "Bearer s3cret", true},
			{"lower-case scheme", "bearer s3cret", true},
			{"upper-case scheme", "BEARER s3cret", true},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				before := srv.State(t).Seq
				req, err := http.NewRequest(http.MethodPost, srv.URL+"/api/reset", nil)
				if err != nil {
					t.Fatal(err)
				}
				if tc.header != "" {
					req.Header.Set("Authorization", tc.header)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if tc.ok {
					if resp.StatusCode != http.StatusOK {
						t.Fatalf("%d %s", resp.StatusCode, body)
					}
					return
				}
				if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(body), `"unauthorized"`) {
					t.Fatalf("%d %s, want 401 unauthorized", resp.StatusCode, body)
				}
				if got := resp.Header.Get("WWW-Authenticate"); got != "Bearer" {
					t.Fatalf("WWW-Authenticate %q, want Bearer", got)
				}
				if srv.State(t).Seq != before {
					t.Fatal("a refused reset changed the seq")
				}
			})
		}
	})
}

// Presence frames go to everyone on connect and disconnect.
func TestPresence(t *testing.T) {
	srv := apptest.MustStartServer(t)
	a := srv.Dial(t, "name=Alice&client=a")
	b := srv.Dial(t, "name=Bob&client=b")
	waitPresence(t, a, 2)
	waitPresence(t, b, 2)
	b.Conn.Close()
	p := waitPresence(t, a, 1)
	var welcome struct{ ID string }
	mustDecode(t, a.WaitType("welcome").Data, &welcome)
	if p.Users[0].Name != "Alice" || p.Users[0].ID != welcome.ID || welcome.ID == "" {
		t.Fatalf("presence %+v, want Alice under her welcome's id %q", p, welcome.ID)
	}
}

type presence struct {
	Count int `json:"count"`
	Users []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"users"`
}

// waitPresence waits until the latest presence frame reports count
// connections and users people (one each, unless given).
func waitPresence(tb testing.TB, c *apptest.Client, count int, users ...int) presence {
	tb.Helper()
	for n := 1; ; n++ {
		frames := c.Frames()
		var latest *presence
		for _, f := range frames {
			if f.Type == "presence" {
				var p presence
				mustDecode(tb, f.Data, &p)
				latest = &p
			}
		}
		wantUsers := count
		if len(users) > 0 {
			wantUsers = users[0]
		}
		if latest != nil && latest.Count == count && len(latest.Users) == wantUsers {
			return *latest
		}
		c.WaitFrames(len(frames) + 1)
	}
}

// metric reads one unlabelled value from /metrics.
func metric(tb testing.TB, srv *apptest.Server, name string) float64 {
	tb.Helper()
	status, body := srv.Do(tb, http.MethodGet, "/metrics", nil, nil)
	if status != http.StatusOK {
		tb.Fatalf("/metrics: %d", status)
	}
	for _, line := range strings.Split(string(body), "\n") {
		var v float64
		if strings.HasPrefix(line, name+" ") {
			if _, err := fmt.Sscanf(line[len(name)+1:], "%g", &v); err == nil {
				return v
			}
		}
	}
	tb.Fatalf("metric %s not found", name)
	return 0
}

// A REST body over the read limit gets 413 too_large, changes nothing, and
// the connection stays usable.
func TestOversizedBodyGets413(t *testing.T) {
	srv := apptest.MustStartServer(t, "--read-limit", "1024")
	before := srv.State(t).Seq
	body := fmt.Sprintf(`{"name":"x","description":"%s"}`, strings.Repeat("d", 5000))
	for i := 0; i < 5; i++ {
		status, raw := srv.Do(t, http.MethodPost, "/api/items", body, nil)
		if status != http.StatusRequestEntityTooLarge || !strings.Contains(string(raw), `"too_large"`) {
			t.Fatalf("try %d: %d %s", i, status, raw)
		}
	}
	if srv.State(t).Seq != before {
		t.Fatal("an oversized body changed the state")
	}
}
