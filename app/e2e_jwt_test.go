package app_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/golang-jwt/jwt/v5"

	"livedash/app"
	"livedash/app/apptest"
	"livedash/models"
	"livedash/protocol"
)

const (
	testSecret   = "a shared secret of more than thirty-two bytes"
	testAudience = "scoreboard"
)

// mint signs claims with method and key; exp, when not given, is a
// minute from now.
func mint(t *testing.T, method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	t.Helper()
	if _, ok := claims["exp"]; !ok {
		claims["exp"] = time.Now().Add(time.Minute).Unix()
	}
	s, err := jwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// pemFile writes pub as a PEM public key file and returns its path and
// bytes.
func pemFile(t *testing.T, pub any) (string, []byte) {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	raw := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	path := filepath.Join(t.TempDir(), "jwt.pem")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	return path, raw
}

func startJWT(t *testing.T, args ...string) *apptest.Server {
	t.Helper()
	return apptest.MustStartServer(t, append([]string{"--access", "jwt"}, args...)...)
}

// TestJWTUnauthorized: every token the contract refuses gets 401 over REST
// and a refused upgrade, on a server checking an HS256 secret with an
// audience, and on servers checking an Ed25519 or an RSA public key. Each
// case comes from its own address, so the failed-credential limit does
// not answer in the check's place.
func TestJWTUnauthorized(t *testing.T) {
	edPub, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	edPath, edPEM := pemFile(t, edPub)
	rsaPath, rsaPEM := pemFile(t, &rsaKey.PublicKey)
	hs := startJWT(t, "--jwt-secret", testSecret, "--jwt-audience", testAudience)
	ed := startJWT(t, "--jwt-public-key", edPath)
	rs := startJWT(t, "--jwt-public-key", rsaPath)
	now := time.Now()
	good := func() jwt.MapClaims { return jwt.MapClaims{"sub": "u1", "aud": testAudience, "role": "edit"} }
	with := func(k string, v any) jwt.MapClaims { c := good(); c[k] = v; return c }
	without := func(k string) jwt.MapClaims { c := good(); delete(c, k); return c }
	secret := []byte(testSecret)
	none := func(c jwt.MapClaims) string {
		c["exp"] = now.Add(time.Minute).Unix()
		s, err := jwt.NewWithClaims(jwt.SigningMethodNone, c).SignedString(jwt.UnsafeAllowNoneSignatureType)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	cases := []struct {
		name  string
		srv   *apptest.Server
		token string
	}{
		{"no token", hs, ""},
		{"not a token", hs, "not.a.token"},
		{"a wrong secret", hs, mint(t, jwt.SigningMethodHS256, []byte("another secret of more than thirty-two bytes"), good())},
		{"expired", hs, mint(t, jwt.SigningMethodHS256, secret, with("exp", now.Add(-time.Minute).Unix()))},
		{"not yet valid", hs, mint(t, jwt.SigningMethodHS256, secret, with("nbf", now.Add(time.Hour).Unix()))},
		{"a wrong audience", hs, mint(t, jwt.SigningMethodHS256, secret, with("aud", "another-board"))},
		{"no audience", hs, mint(t, jwt.SigningMethodHS256, secret, without("aud"))},
		{"no sub", hs, mint(t, jwt.SigningMethodHS256, secret, without("sub"))},
		{"no exp", hs, func() string {
			s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, good()).SignedString(secret)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}()},
		{"a role that is not one", hs, mint(t, jwt.SigningMethodHS256, secret, with("role", "root"))},
		{"HS384 with the secret", hs, mint(t, jwt.SigningMethodHS384, secret, good())},
		{"alg none", hs, none(good())},
		{"alg none, EdDSA server", ed, none(good())},
		{"HS256 with the Ed25519 public key as secret", ed, mint(t, jwt.SigningMethodHS256, edPEM, good())},
		{"HS256 with the Ed25519 key bytes as secret", ed, mint(t, jwt.SigningMethodHS256, []byte(edPub), good())},
		{"HS256 with the RSA public key as secret", rs, mint(t, jwt.SigningMethodHS256, rsaPEM, good())},
		{"RS256 on the EdDSA server", ed, mint(t, jwt.SigningMethodRS256, rsaKey, good())},
		{"EdDSA by another key", ed, func() string {
			_, other, _ := ed25519.GenerateKey(rand.Reader)
			return mint(t, jwt.SigningMethodEdDSA, other, good())
		}()},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			requireRefused(t, tc.srv, fmt.Sprintf("127.0.1.%d", 10+i), tc.token)
		})
	}
	// The same claims, signed right, are let in: the cases fail for the
	// reason they name.
	t.Run("signed right", func(t *testing.T) {
		for _, ok := range []struct {
			srv   *apptest.Server
			token string
		}{
			{hs, mint(t, jwt.SigningMethodHS256, secret, good())},
			{ed, mint(t, jwt.SigningMethodEdDSA, edKey, good())},
			{rs, mint(t, jwt.SigningMethodRS256, rsaKey, good())},
		} {
			if status, raw := ok.srv.Do(t, http.MethodGet, "/api/state", nil, bearer(ok.token)); status != http.StatusOK {
				t.Fatalf("%s: %d %s", ok.srv.URL, status, raw)
			}
			ok.srv.Dial(t, "key="+ok.token)
		}
	})
	t.Run("no token in the log", func(t *testing.T) {
		for _, tc := range cases {
			if tc.token != "" && strings.Contains(hs.Log()+ed.Log()+rs.Log(), tc.token) {
				t.Fatalf("the %s token is in a log", tc.name)
			}
		}
	})
}

// requireRefused: from the loopback address from, cred ("" for none) gets
// 401 unauthorized with WWW-Authenticate: Bearer over REST, and a refused
// upgrade with 401 over WebSocket.
func requireRefused(t *testing.T, srv *apptest.Server, from, cred string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/state", nil)
	if cred != "" {
		req.Header.Set("Authorization", "Bearer "+cred)
	}
	resp, err := clientFrom(t, from).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") != "Bearer" {
		t.Fatalf("REST: %d, WWW-Authenticate %q; want 401 Bearer", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	d := *websocket.DefaultDialer
	d.NetDialContext = dialerFrom(from).DialContext
	conn, wresp, err := d.Dial(srv.WSURL("key="+cred), nil)
	if err == nil {
		conn.Close()
	}
	if err == nil || wresp == nil || wresp.StatusCode != http.StatusUnauthorized {
		status := 0
		if wresp != nil {
			status = wresp.StatusCode
		}
		t.Fatalf("upgrade: err %v, status %d; want a refused upgrade with 401", err, status)
	}
}

// TestJWTIdentityAndRole: the token's role is the connection's; the public
// id derives from sub, whatever client id is sent, on both transports; the
// name is the token's.
func TestJWTIdentityAndRole(t *testing.T) {
	srv := startJWT(t, "--jwt-secret", testSecret)
	secret := []byte(testSecret)
	alice := mint(t, jwt.SigningMethodHS256, secret, jwt.MapClaims{"sub": "alice@example.org", "name": "Alice", "role": "edit"})
	alice2 := mint(t, jwt.SigningMethodHS256, secret, jwt.MapClaims{"sub": "alice@example.org", "name": "Alice", "role": "edit"})
	bob := mint(t, jwt.SigningMethodHS256, secret, jwt.MapClaims{"sub": "bob@example.org"})

	welcome := func(query string) protocol.Welcome {
		var w protocol.Welcome
		f := srv.Dial(t, query).WaitType(protocol.TypeWelcome)
		if err := json.Unmarshal(f.Data, &w); err != nil {
			t.Fatal(err)
		}
		return w
	}
	a1 := welcome("client=first-device&name=Mallory&key=" + alice)
	a2 := welcome("client=second-device&key=" + alice2)
	b := welcome("client=first-device&name=Bob&key=" + bob)
	if a1.Role != protocol.RoleEdit || b.Role != protocol.RoleView {
		t.Fatalf("roles %s and %s; want edit from the claim, and view without one", a1.Role, b.Role)
	}
	if a1.ID != a2.ID || a1.ID == b.ID {
		t.Fatalf("public ids %s, %s (same sub), %s (same client, other sub)", a1.ID, a2.ID, b.ID)
	}
	if a1.Name != "Alice" || b.Name != "Bob" {
		t.Fatalf("names %q and %q; want the token's name, and the query's when the token has none", a1.Name, b.Name)
	}
	// REST: the event of a change names the token's sub and name.
	req := map[string]any{"by": 1}
	status, raw := srv.Do(t, http.MethodPost, "/api/scores/1/increment", req,
		http.Header{"Authorization": {"Bearer " + alice}, "X-Livedash-Name": {"Mallory"}, "X-Livedash-Client": {"other"}})
	if status != http.StatusOK {
		t.Fatalf("increment: %d %s", status, raw)
	}
	var page struct{ Events []models.EventFrame }
	if status, raw = srv.Do(t, http.MethodGet, "/api/events?since=0", nil, bearer(bob)); status != http.StatusOK || json.Unmarshal(raw, &page) != nil {
		t.Fatalf("GET /api/events: %d %s", status, raw)
	}
	last := page.Events[len(page.Events)-1]
	if last.Actor == nil || last.Actor.ID != a1.ID || last.Actor.Name != "Alice" {
		t.Fatalf("the event's actor %+v; want %s Alice", last.Actor, a1.ID)
	}
	status, raw = srv.Do(t, http.MethodPost, "/api/scores/1/increment", req, bearer(bob))
	if status != http.StatusForbidden || errorCode(raw) != protocol.CodeForbidden {
		t.Fatalf("a viewer's increment: %d %s, want 403 forbidden", status, raw)
	}
}

// TestJWTExpiryClosesTheConnection: a connection whose token expires is
// closed with 1008; one with a later exp stays.
func TestJWTExpiryClosesTheConnection(t *testing.T) {
	srv := startJWT(t, "--jwt-secret", testSecret, "--login-url", "https://sso.example.org/login")
	secret := []byte(testSecret)
	exp := time.Now().Add(2 * time.Second).Truncate(time.Second).Add(time.Second) // exp is whole seconds
	short := mint(t, jwt.SigningMethodHS256, secret, jwt.MapClaims{"sub": "short", "exp": exp.Unix()})
	long := mint(t, jwt.SigningMethodHS256, secret, jwt.MapClaims{"sub": "long"})
	c := srv.Dial(t, "key="+short)
	stays := srv.Dial(t, "key="+long)
	code, reason := c.WaitClose()
	late := time.Since(exp)
	if code != websocket.ClosePolicyViolation || reason != "token expired" {
		t.Fatalf("closed with %d %q; want 1008 token expired", code, reason)
	}
	if late < 0 || late > time.Second {
		t.Fatalf("closed %v after exp; want within a second of it", late)
	}
	stays.MustAck(protocol.TypePing, map[string]any{})
	if status, _ := srv.Do(t, http.MethodGet, "/api/state", nil, bearer(short)); status != http.StatusUnauthorized {
		t.Fatalf("the expired token over REST: %d, want 401", status)
	}
	status, raw := srv.Do(t, http.MethodGet, "/metrics", nil, bearer(long))
	if status != http.StatusOK || !strings.Contains(string(raw), `livedash_auth_failures_total{reason="expired"} 1`) {
		t.Fatalf("/metrics does not count the expired token: %d", status)
	}
	var info struct {
		Mode     string `json:"mode"`
		LoginURL string `json:"login_url"`
	}
	srv.MustJSON(t, http.MethodGet, "/api/access", nil, http.StatusOK, &info)
	if info.Mode != "jwt" || info.LoginURL != "https://sso.example.org/login" {
		t.Fatalf("GET /api/access without a credential: %+v", info)
	}
}

// TestJWTConfig: a server in jwt mode does not start without a way to
// check tokens, or with two, or with a short secret; token flags outside
// jwt mode are an error too.
func TestJWTConfig(t *testing.T) {
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	keyPath, _ := pemFile(t, pub)
	notPEM := filepath.Join(t.TempDir(), "key.txt")
	if err := os.WriteFile(notPEM, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"neither", []string{"--access", "jwt"}, "needs one of --jwt-secret and --jwt-public-key"},
		{"both", []string{"--access", "jwt", "--jwt-secret", testSecret, "--jwt-public-key", keyPath}, "needs one of"},
		{"short secret", []string{"--access", "jwt", "--jwt-secret", "short"}, "at least 32 bytes"},
		{"not a PEM file", []string{"--access", "jwt", "--jwt-public-key", notPEM}, "no PEM block"},
		{"a secret in keys mode", []string{"--access", "keys", "--jwt-secret", testSecret}, "need --access jwt"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "x.db")}, tc.args...)
			err := app.Run(apptest.Ctx(t), args, func(string) string { return "" }, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("start: %v; want an error with %q", err, tc.want)
			}
			if strings.Contains(err.Error(), testSecret) {
				t.Fatalf("the error quotes the secret: %v", err)
			}
		})
	}
}
