package faults

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/fasthttp/websocket"

	"livedash/models"
	"livedash/protocol"
)

const (
	hostileLimit = 1 << 20 // --read-limit: room for deep nesting under it
	hostileToken = "s3cret-token"
)

// Hostile input gets the contract's errors and changes nothing: bodies and
// frames over the limit, nesting beyond any decoder's depth, invalid
// UTF-8, ten thousand requests at once, resets without the token. The
// process stays up and answers throughout.
func TestHostileInputIsRefusedAndChangesNothing(t *testing.T) {
	srv := startServer(t, filepath.Join(t.TempDir(), "hostile.db"),
		"--read-limit", fmt.Sprint(hostileLimit), "--admin-token", hostileToken)
	cases := []struct {
		name string
		run  func(*testing.T, *server)
	}{
		{"rest bodies over the limit", restOverLimit},
		{"websocket frames over the limit", wsOverLimit},
		{"deep nesting", deepNesting},
		{"invalid utf-8", invalidUTF8},
		{"ten thousand requests at once", requestFlood},
		{"reset without the admin token", resetWithoutToken},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.run(t, srv)
			srv.requireHealthy(t)
		})
	}
}

// requireUnchanged fails unless GET /api/state is byte for byte what it was.
func requireUnchanged(tb testing.TB, srv *server, before []byte, what string) {
	tb.Helper()
	if _, after := srv.state(tb); !bytes.Equal(after, before) {
		tb.Fatalf("%s changed the state:\nbefore %.300s\nafter  %.300s", what, before, after)
	}
}

// requireErrorBody fails unless raw is the contract's error body with code.
func requireErrorBody(tb testing.TB, raw []byte, code models.Code) {
	tb.Helper()
	var body struct {
		Error *models.Error `json:"error"`
	}
	if err := json.Unmarshal(raw, &body); err != nil || body.Error == nil || body.Error.Code != code || body.Error.Message == "" {
		tb.Fatalf("body %.300s, want an error with code %s", raw, code)
	}
}

// restOverLimit sends bodies over the limit on a raw connection and reads
// the reply while still writing: the server answers 413 before it has read
// the body and closes, and Go's HTTP client, which writes the whole body
// before it reads, would often see the reset instead of the reply.
func restOverLimit(t *testing.T, srv *server) {
	big := []byte(`{"name":"` + strings.Repeat("n", hostileLimit) + `"}`)
	_, before := srv.state(t)
	cases := []struct {
		name, method, path string
		chunked            bool
	}{
		{"create with a length", http.MethodPost, "/api/items", false},
		{"create chunked", http.MethodPost, "/api/items", true},
		{"update", http.MethodPatch, "/api/items/1", false},
		{"increment chunked", http.MethodPost, "/api/scores/1/increment", true},
		{"reset", http.MethodPost, "/api/reset", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{"Authorization": {"Bearer " + hostileToken}}
			resp, raw, err := rawHTTP(srv.addr, tc.method, tc.path, h, big, tc.chunked)
			if err != nil {
				t.Fatalf("%s %s: %v", tc.method, tc.path, err)
			}
			if resp.StatusCode != http.StatusRequestEntityTooLarge {
				t.Fatalf("status %d, want 413: %.200s", resp.StatusCode, raw)
			}
			requireErrorBody(t, raw, protocol.CodeTooLarge)
		})
	}
	requireUnchanged(t, srv, before, "bodies over the limit")
}

func wsOverLimit(t *testing.T, srv *server) {
	name := strings.Repeat("n", hostileLimit)
	msg := []byte(`{"type":"item.create","id":"big","data":{"name":"` + name + `"}}`)
	cases := []struct {
		name string
		send func(p *peer) error
	}{
		// The client library cuts a long message into 4 KiB frames.
		{"one byte over, fragmented", func(p *peer) error {
			return p.sendRaw(websocket.TextMessage, msg[:hostileLimit+1])
		}},
		{"one frame of 5 MiB", func(p *peer) error {
			return p.sendFrame(0x1, bytes.Repeat([]byte("x"), 5<<20))
		}},
		// Whatever the header announces, the server answers once it has
		// read one byte past the limit.
		{"a header announcing 2^62 bytes", func(p *peer) error {
			return p.writeRaw(append(frameHeader(0x1, 1<<62), bytes.Repeat([]byte("x"), hostileLimit+1)...))
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, before := srv.state(t)
			p := dialPeer(t, srv, "", peerOptions{})
			_ = tc.send(p) // the server may close before the whole frame is in
			code, err := p.waitEnd(t, peerWait)
			var tooLarge bool
			for _, f := range p.unsolicited() {
				tooLarge = tooLarge || f.Error != nil && f.Error.Code == protocol.CodeTooLarge
			}
			if !tooLarge || code != websocket.CloseMessageTooBig {
				t.Errorf("ended with %v, too_large error sent: %v; want a too_large error, then close 1009", err, tooLarge)
			}
			requireUnchanged(t, srv, before, "a frame over the limit")
		})
	}
}

func deepNesting(t *testing.T, srv *server) {
	const deep = 100_000 // ten times encoding/json's depth limit
	nest := func(open, close string, n int) string { return strings.Repeat(open, n) + strings.Repeat(close, n) }
	objects := strings.Repeat(`{"a":`, deep) + "1" + strings.Repeat("}", deep)
	p := dialPeer(t, srv, "client=deep", peerOptions{})
	_, before := srv.state(t)
	frames := []struct {
		name  string
		frame string
		id    string // the reply's id; none when the envelope cannot be read
		want  string // "ack" or an error code
	}{
		{"arrays in data", `{"type":"item.create","id":"d1","data":{"name":"x","description":` + nest("[", "]", deep) + `}}`, "", "bad_request"},
		{"objects in data", `{"type":"item.create","id":"d2","data":{"name":"x","extra":` + objects + `}}`, "", "bad_request"},
		{"arrays as the frame", nest("[", "]", deep), "", "bad_request"},
		{"arrays as the id", `{"type":"ping","id":` + nest("[", "]", deep) + `,"data":{}}`, "", "bad_request"},
		{"arrays within the depth limit", `{"type":"item.create","id":"d3","data":{"name":"x","description":` + nest("[", "]", 9000) + `}}`, "d3", "bad_request"},
		{"ignored field within the depth limit", `{"type":"item.create","id":"d4","data":{"name":"deep-ok","x":` + nest("[", "]", 9000) + `}}`, "d4", "ack"},
	}
	for i, tc := range frames {
		t.Run(tc.name, func(t *testing.T) {
			unsolicited := len(p.unsolicited())
			if err := p.sendRaw(websocket.TextMessage, []byte(tc.frame)); err != nil {
				t.Fatal(err)
			}
			// The ping's ack comes after the frame's reply, and proves the
			// connection still answers.
			if pong := p.call(t, fmt.Sprint("after-", i), "ping", map[string]any{}); pong.Type != "ack" {
				t.Fatalf("ping after the frame: %s", pong.Raw)
			}
			var f frame
			if tc.id == "" {
				o := p.unsolicited()
				if len(o) != unsolicited+1 {
					t.Fatalf("%d frames without an id came back, want one error", len(o)-unsolicited)
				}
				f = o[unsolicited]
			} else {
				f = p.waitReply(t, tc.id)
			}
			got := f.Type
			if f.Error != nil {
				got = string(f.Error.Code)
			}
			if got != tc.want {
				t.Fatalf("got %s, want %s", f.Raw, tc.want)
			}
		})
	}
	// The one valid frame created its item; nothing else changed a thing.
	st, _ := srv.state(t)
	var b models.State
	decode(t, before, &b)
	if st.Seq != b.Seq+1 {
		t.Fatalf("deep frames moved the seq by %d, want 1", st.Seq-b.Seq)
	}
	for _, path := range []string{"/api/items", "/api/items/1", "/api/scores"} {
		method := http.MethodPost
		if strings.HasSuffix(path, "/1") {
			method = http.MethodPatch
		}
		_, before := srv.state(t)
		status, raw := srv.mustDo(t, method, path, []byte(`{"name":`+nest("[", "]", deep)+`}`), nil)
		if status != http.StatusBadRequest {
			t.Fatalf("%s %s with deep nesting: %d %.200s", method, path, status, raw)
		}
		requireErrorBody(t, raw, models.CodeBadRequest)
		requireUnchanged(t, srv, before, "a deep REST body")
	}
}

func invalidUTF8(t *testing.T, srv *server) {
	first, _ := srv.state(t)
	if _, err := tryDialPeer(t, srv, "client=utf&name=%FF%FEbad", peerOptions{}); err == nil {
		t.Fatal("a name that is not UTF-8 was accepted")
	}
	// A text frame that is not UTF-8 fails the connection with 1007 (RFC
	// 6455), before anything in it is read or answered.
	frames := []struct{ name, frame string }{
		{"in a name", "{\"type\":\"item.create\",\"id\":\"u1\",\"data\":{\"name\":\"a\xff\xfeb\"}}"},
		{"in a description", "{\"type\":\"item.create\",\"id\":\"u2\",\"data\":{\"name\":\"ok\",\"description\":\"\xc3\x28\"}}"},
		{"in a player", "{\"type\":\"score.create\",\"id\":\"u3\",\"data\":{\"player\":\"\xed\xa0\x80\"}}"},
		{"in the type", "{\"type\":\"ping\xff\",\"id\":\"u4\",\"data\":{}}"},
		{"in the request id", "{\"type\":\"ping\",\"id\":\"u\xff\",\"data\":{}}"},
		{"garbage", "\xff\xfe\xfd\x80"},
	}
	for _, tc := range frames {
		t.Run(tc.name, func(t *testing.T) {
			_, before := srv.state(t)
			p := dialPeer(t, srv, "client=utf", peerOptions{})
			if err := p.sendRaw(websocket.TextMessage, []byte(tc.frame)); err != nil {
				t.Fatal(err)
			}
			if code, err := p.waitEnd(t, peerWait); code != websocket.CloseInvalidFramePayloadData {
				t.Fatalf("ended with %d (%v), want close 1007", code, err)
			}
			if o := p.unsolicited(); len(o) != 0 {
				t.Fatalf("got %s before the close, want nothing", o[0].Raw)
			}
			requireUnchanged(t, srv, before, "a frame that is not UTF-8")
		})
	}
	p := dialPeer(t, srv, "client=utf", peerOptions{events: true})
	t.Run("a surrogate escape", func(t *testing.T) {
		// Valid UTF-8 text that decodes to an unpaired surrogate: strict
		// input (contract 1.2) refuses it with bad_request and changes
		// nothing; the id is not read from such a frame, so the error has
		// none. The ping behind it is answered after it.
		_, before := srv.state(t)
		if err := p.sendRaw(websocket.TextMessage, []byte(`{"type":"item.create","id":"u5","data":{"name":"\ud800"}}`)); err != nil {
			t.Fatal(err)
		}
		if f := p.call(t, "u5-after", "ping", struct{}{}); f.Type != "ack" {
			t.Fatalf("ping behind it: got %q", f.Raw)
		}
		p.mu.Lock()
		var refused []frame
		for _, f := range p.others {
			if f.Type == "error" && f.Error != nil && f.Error.Code == "bad_request" {
				refused = append(refused, f)
			}
		}
		_, answered := p.replies["u5"]
		p.mu.Unlock()
		if len(refused) != 1 || answered {
			t.Fatalf("want one bad_request without an id and no reply to u5; got %d refusals, reply to u5: %v", len(refused), answered)
		}
		requireUnchanged(t, srv, before, "a surrogate escape")
		// A paired escape is a character like any other.
		st, _ := srv.state(t)
		f := p.call(t, "u6", "item.create", map[string]string{"name": "\U0001F600"})
		if err := p.sendRaw(websocket.TextMessage, []byte(`{"type":"item.create","id":"u7","data":{"name":"\ud83d\ude00"}}`)); err != nil {
			t.Fatal(err)
		}
		g := p.waitReply(t, "u7")
		if f.Type != "ack" || g.Type != "ack" || !utf8.Valid(g.Data) || g.Seq != st.Seq+2 {
			t.Fatalf("got %q and %q, want acks in valid UTF-8, the second with seq %d", f.Raw, g.Raw, st.Seq+2)
		}
	})
	t.Run("rest", func(t *testing.T) {
		h := http.Header{"X-Livedash-Name": {"\xff\xfe"}, "X-Livedash-Client": {"\xc0\xaf"}}
		status, raw := srv.mustDo(t, http.MethodPost, "/api/items", []byte("{\"name\":\"r\xff\"}"), h)
		if status != http.StatusCreated && status != http.StatusBadRequest || !utf8.Valid(raw) {
			t.Fatalf("status %d, body %q", status, raw)
		}
	})
	// Whatever was stored reads back as valid UTF-8 JSON, and every event
	// reached the peer as such.
	st, raw := srv.state(t)
	if !utf8.Valid(raw) {
		t.Fatalf("GET /api/state is not valid UTF-8: %q", raw)
	}
	p.waitSeq(t, st.Seq)
	_, events, _ := p.snapshot()
	for _, ev := range events {
		if !utf8.Valid(ev.Raw) {
			t.Fatalf("event %q is not valid UTF-8", ev.Raw)
		}
	}
	// Checked raw: decoding would quietly replace invalid bytes.
	if raw := srv.getJSON(t, fmt.Sprintf("/api/events?since=%d&limit=1000", first.Seq), nil); !utf8.Valid(raw) {
		t.Fatalf("GET /api/events is not valid UTF-8: %q", raw)
	}
}

// requestFlood writes 10,000 increments on one connection at once while
// the peer reads: every request gets its reply (ack or rate_limited), the
// connection stays open, and the score moved by exactly the acks.
func requestFlood(t *testing.T, srv *server) {
	const n = 10_000
	p := dialPeer(t, srv, "client=flood", peerOptions{events: true})
	var sc models.Score
	srv.getJSON(t, "/api/scores/2", &sc)
	// All of them in one write: the server finds thousands of frames in
	// each read.
	var all []byte
	for i := 0; i < n; i++ {
		req := fmt.Sprintf(`{"type":"score.increment","id":"f%d","data":{"id":2,"by":1}}`, i)
		all = append(append(all, frameHeader(0x1, uint64(len(req)))...), req...)
	}
	if err := p.writeRaw(all); err != nil {
		t.Fatalf("write %d frames: %v", n, err)
	}
	err := p.waitFor(fmt.Sprintf("%d replies", n), 60*time.Second, func() bool { return len(p.replies) >= n })
	if err != nil {
		t.Fatalf("%v\n%s", err, srv.logTail(10))
	}
	replies, _, repeated := p.snapshot()
	if len(repeated) > 0 {
		t.Fatalf("answered twice: %v", repeated[:min(10, len(repeated))])
	}
	acks := 0
	for i := 0; i < n; i++ {
		f, ok := replies[fmt.Sprint("f", i)]
		switch {
		case !ok:
			t.Fatalf("no reply to f%d", i)
		case f.Type == "ack":
			acks++
		case f.Error.Code != protocol.CodeRateLimited:
			t.Fatalf("f%d: %s", i, f.Raw)
		}
	}
	// Still open: a change made elsewhere reaches it.
	status, raw := srv.mustDo(t, http.MethodPost, "/api/scores/2/increment", []byte(`{"by":1}`), nil)
	if status != http.StatusOK {
		t.Fatalf("increment: %d %s", status, raw)
	}
	var after models.Score
	decode(t, raw, &after)
	if want := sc.Points + int64(acks) + 1; after.Points != want {
		t.Fatalf("points %d after %d acked increments from %d, want %d", after.Points, acks, sc.Points, want)
	}
	st, _ := srv.state(t)
	p.waitSeq(t, st.Seq)
	t.Logf("%d requests: %d acked, %d rate limited", n, acks, n-acks)
}

func resetWithoutToken(t *testing.T, srv *server) {
	cases := []struct {
		name   string
		header http.Header
	}{
		{"no header", nil},
		{"wrong token", http.Header{"Authorization": {"Bearer nope"}}},
		{"token without bearer", http.Header{"Authorization": {hostileToken}}},
		{"empty bearer", http.Header{"Authorization": {"Bearer "}}},
		{"token with a suffix", http.Header{"Authorization": {"Bearer " + hostileToken + "x"}}},
		{"token prefix", http.Header{"Authorization": {"Bearer " + hostileToken[:len(hostileToken)-1]}}},
		{"another scheme", http.Header{"Authorization": {"Basic " + hostileToken}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, before := srv.state(t)
			status, raw, header, err := srv.do(http.MethodPost, "/api/reset", nil, tc.header)
			if err != nil {
				t.Fatal(err)
			}
			if status != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401: %s", status, raw)
			}
			if got := header.Get("WWW-Authenticate"); got != "Bearer" {
				t.Fatalf("WWW-Authenticate %q, want Bearer", got)
			}
			requireErrorBody(t, raw, protocol.CodeUnauthorized)
			requireUnchanged(t, srv, before, "a refused reset")
		})
	}
	// The right token still works, the scheme in any case, so the refusals
	// above were about the token and not a broken endpoint.
	for _, scheme := range []string{"Bearer", "bearer", "BEARER"} {
		st, _ := srv.state(t)
		status, raw := srv.mustDo(t, http.MethodPost, "/api/reset", nil, http.Header{"Authorization": {scheme + " " + hostileToken}})
		var res struct{ Seq int64 }
		if status != http.StatusOK || json.Unmarshal(raw, &res) != nil || res.Seq != st.Seq+1 {
			t.Fatalf("reset with %s and the token: %d %s, want seq %d", scheme, status, raw, st.Seq+1)
		}
	}
}

// frameHeader is a masked client frame header announcing n payload bytes.
func frameHeader(opcode byte, n uint64) []byte {
	h := []byte{0x80 | opcode}
	switch {
	case n < 126:
		h = append(h, 0x80|byte(n))
	case n <= 0xffff:
		h = append(h, 0x80|126)
		h = binary.BigEndian.AppendUint16(h, uint16(n))
	default:
		h = append(h, 0x80|127)
		h = binary.BigEndian.AppendUint64(h, n)
	}
	return append(h, 0, 0, 0, 0) // a zero mask leaves the payload as is
}

// sendFrame writes one unfragmented frame, which the client library would
// split.
func (p *peer) sendFrame(opcode byte, payload []byte) error {
	return p.writeRaw(append(frameHeader(opcode, uint64(len(payload))), payload...))
}

// writeRaw writes bytes straight to the socket, under the write lock.
func (p *peer) writeRaw(b []byte) error {
	p.wmu.Lock()
	defer p.wmu.Unlock()
	nc := p.conn.NetConn()
	if err := nc.SetWriteDeadline(time.Now().Add(peerWait)); err != nil {
		return err
	}
	_, err := nc.Write(b)
	return err
}

// unsolicited returns the frames that were neither replies with an id,
// events, welcome nor presence: errors without an id, resyncs.
func (p *peer) unsolicited() []frame {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]frame(nil), p.others...)
}
