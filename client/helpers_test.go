package client_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"livedash/app/apptest"
	"livedash/client"
	"livedash/models"
)

// wait bounds every wait of a test for something the server must do.
const wait = apptest.DefaultWait

// dial connects to url, recording the stream; the client is closed at
// cleanup, and reconnects wait only milliseconds.
func dial(tb testing.TB, url string, opts client.Options) (*client.Client, *apptest.Stream) {
	tb.Helper()
	st := apptest.NewStream(tb)
	if opts.OnEvent == nil {
		opts.OnEvent = st.Add
	}
	return apptest.DialClient(tb, url, opts), st
}

// aliceAndWatcher starts a server with two clients: Alice, who makes the
// requests, and Bob, whose stream records what the others are sent.
func aliceAndWatcher(tb testing.TB) (*apptest.Server, *client.Client, *apptest.Stream) {
	tb.Helper()
	srv := apptest.MustStartServer(tb)
	alice, _ := dial(tb, srv.URL, client.Options{Name: "Alice"})
	_, bob := dial(tb, srv.URL, client.Options{Name: "Bob"})
	return srv, alice, bob
}

// logEvents reads the server's whole event log over REST.
func logEvents(tb testing.TB, srv *apptest.Server) []apptest.Frame {
	tb.Helper()
	var all []apptest.Frame
	for since := int64(0); ; {
		var page struct {
			Events []apptest.Frame `json:"events"`
		}
		srv.MustJSON(tb, http.MethodGet, fmt.Sprintf("/api/events?since=%d&limit=1000", since), nil, http.StatusOK, &page)
		if len(page.Events) == 0 {
			return all
		}
		all = append(all, page.Events...)
		since = page.Events[len(page.Events)-1].Seq
	}
}

func mustDecode(tb testing.TB, raw []byte, v any) bool {
	tb.Helper()
	if err := json.Unmarshal(raw, v); err != nil {
		tb.Fatalf("decode %s: %v", raw, err)
	}
	return true
}

func requireError(tb testing.TB, what string, err error, code models.Code, field string) {
	tb.Helper()
	var e *models.Error
	if !errors.As(err, &e) {
		tb.Fatalf("%s: got %v, want a *models.Error", what, err)
	}
	if e.Code != code || field != "" && e.Field != field || e.Message == "" {
		tb.Fatalf("%s: got %+v, want code %s, field %q", what, e, code, field)
	}
	if client.CodeOf(err) != code {
		tb.Fatalf("%s: CodeOf = %q", what, client.CodeOf(err))
	}
}
