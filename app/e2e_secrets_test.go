package app_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"livedash/app/apptest"
	"livedash/internal/pgtest"
	"livedash/models"
)

// secret is a value that must never reach the log or the metrics: long and
// random, so that finding it cannot be a coincidence.
func secret(what string) string { return what + models.NewID(20) }

// TestSecretsStayOutOfLogs runs a server at debug level through requests
// that carry every kind of secret (an admin token, a bearer token, client
// ids in a query and a header, keys, a database password in a URL) and
// greps the whole log and /metrics for each.
func TestSecretsStayOutOfLogs(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		requireNoSecretLogged(t, "", nil)
	})
	t.Run("postgres", func(t *testing.T) {
		u, err := url.Parse(pgtest.StartPostgres(t))
		if err != nil {
			t.Fatal(err)
		}
		userPass, queryPass := secret("pgUserPass"), secret("pgQueryPass")
		// The test server trusts local connections: the passwords are
		// sent and ignored, as a real one would be checked.
		u.User = url.UserPassword(u.User.Username(), userPass)
		u.RawQuery += "&password=" + queryPass + "&sslpassword=" + queryPass
		requireNoSecretLogged(t, u.String(), []string{userPass, queryPass})
	})
}

func requireNoSecretLogged(t *testing.T, db string, secrets []string) {
	adminToken, wrongToken, bearer := secret("adminTok"), secret("wrongTok"), secret("bearerTok")
	wsClient, restClient, badClient := secret("wsClient"), secret("restClient"), secret("badClient")
	wsKey, restKey, rawToken := secret("wsKey"), secret("restKey"), secret("rawTok")
	secrets = append(secrets, adminToken, wrongToken, bearer, wsClient, restClient, badClient, wsKey, restKey, rawToken)
	args := []string{"--log-level", "debug", "--admin-token", adminToken}
	if db != "" {
		args = append(args, "--db", db)
	}
	srv := apptest.MustStartServer(t, args...)

	// REST, with credentials in the header and in the query.
	bearerHeader := http.Header{"Authorization": {"Bearer " + bearer}}
	if status, raw := srv.Do(t, http.MethodGet, "/api/state?key="+restKey+"&access_token="+bearer, nil, bearerHeader); status != http.StatusOK {
		t.Fatalf("GET /api/state: %d %s", status, raw)
	}
	created := http.Header{"Authorization": {"Bearer " + bearer}, "X-Livedash-Client": {restClient}, "X-Livedash-Name": {"Rest"}}
	if status, raw := srv.Do(t, http.MethodPost, "/api/items?client="+restClient, map[string]string{"name": "lamp"}, created); status != http.StatusCreated {
		t.Fatalf("POST /api/items: %d %s", status, raw)
	}
	// The admin token, wrong and right.
	if status, raw := srv.Do(t, http.MethodPost, "/api/reset", nil, http.Header{"Authorization": {"Bearer " + wrongToken}}); status != http.StatusUnauthorized {
		t.Fatalf("reset with a wrong token: %d %s", status, raw)
	}
	if status, raw := srv.Do(t, http.MethodPost, "/api/reset?token="+adminToken, nil, http.Header{"Authorization": {"Bearer " + adminToken}}); status != http.StatusOK {
		t.Fatalf("reset with the admin token: %d %s", status, raw)
	}
	// Error paths: a client mistake on REST, a refused handshake, a
	// malformed request, a bad WebSocket request (logged at debug).
	if status, raw := srv.Do(t, http.MethodPatch, "/api/items/999999?key="+restKey, `{"name":`, bearerHeader); status != http.StatusBadRequest && status != http.StatusNotFound {
		t.Fatalf("PATCH of a broken body: %d %s", status, raw)
	}
	if _, resp, err := srv.TryDial(t, "client="+badClient+"!&key="+wsKey, nil); err == nil || resp == nil || resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("a bad client id was not refused: %v", err)
	}
	resp, raw := rawExchange(t, srv.Addr, []byte("GET /api/state?token="+rawToken+" HTTP/1.1\r\nHost: "+srv.Addr+"\r\nContent-Length: "+rawToken+"\r\n\r\n"))
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("a malformed request: %d %s", resp.StatusCode, raw)
	}
	ws := srv.Dial(t, "name=Alice&client="+wsClient+"&key="+wsKey)
	ws.MustAck("item.create", map[string]string{"name": "projector"})
	ws.SendRaw(1, []byte(`{"type":"item.create","id":"r-empty","data":{"name":""}}`))
	ws.WaitType("error")

	status, metrics := srv.Do(t, http.MethodGet, "/metrics", nil, nil)
	if status != http.StatusOK {
		t.Fatalf("/metrics: %d", status)
	}
	srv.Stop()
	log := srv.Log()
	// The log must be the one that would show them: debug lines of these
	// requests, with their URLs masked rather than dropped.
	for _, want := range []string{"level=DEBUG", "url=\"/ws?", "/api/reset?token=xxxxx", "request refused", "request failed"} {
		if !strings.Contains(log, want) {
			t.Fatalf("the log has no %q; it does not show the requests:\n%s", want, log)
		}
	}
	for _, s := range secrets {
		for where, text := range map[string]string{"the log": log, "/metrics": string(metrics)} {
			if strings.Contains(text, s) {
				t.Errorf("%s holds the secret %s:\n%s", where, s, lineWith(text, s))
			}
		}
	}
}

// lineWith is the first line of text holding s.
func lineWith(text, s string) string {
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	return fmt.Sprintf("(no line holds %s)", s)
}
