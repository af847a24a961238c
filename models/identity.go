package models

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
)

// Who makes a change is told the same way on both transports: the WebSocket
// connect query (`name`, `client`) and REST headers (X-Livedash-Name,
// X-Livedash-Client). One rule for both lives here.

// Identity is who makes a change, as far as the server was told.
type Identity struct {
	Client string
	Name   string
}

// NewIdentity applies the rules to what a client says about itself; an
// empty value stays empty (anonymous, or nameless).
func NewIdentity(client, name string) (Identity, error) {
	var id Identity
	if client != "" {
		if err := CheckClientID(client); err != nil {
			return id, err
		}
		id.Client = client
	}
	if name != "" {
		var err error
		if id.Name, err = CleanName("name", name, MaxName); err != nil {
			return id, err
		}
	}
	return id, nil
}

// CheckClientID checks a client id: 1 to MaxClientID of [A-Za-z0-9_-].
func CheckClientID(id string) error {
	ok := len(id) >= 1 && len(id) <= MaxClientID
	for _, r := range id {
		ok = ok && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-')
	}
	if !ok {
		return Errorf(CodeInvalid, "client", "client must be 1 to %d of A-Z, a-z, 0-9, _ and -", MaxClientID)
	}
	return nil
}

// PublicID derives the id that others see for a client id. The client id
// works like a secret (whoever knows it can act under it, and its
// remembered outcomes answer retries), so it is never shown: the public id
// is a keyed hash that cannot be turned back into it. The key lives in the
// database, so every instance on one database derives the same id.
func PublicID(key []byte, client string) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(client))
	return "p-" + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))[:16]
}
