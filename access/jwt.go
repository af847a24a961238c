package access

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"

	"github.com/golang-jwt/jwt/v5"

	"livedash/models"
	"livedash/protocol"
)

// TokenConfig says how jwt mode checks tokens: with an HS256 secret or a
// public key (EdDSA or RS256), never both, and the audience the tokens must
// name ("" : none is required).
type TokenConfig struct {
	Secret    []byte
	PublicKey crypto.PublicKey // ed25519.PublicKey or *rsa.PublicKey
	Audience  string
}

// minSecret is the shortest HS256 secret accepted: 256 bits, the size of
// the hash (RFC 7518 section 3.2).
const minSecret = 32

// tokens checks JSON Web Tokens. The accepted algorithm follows from the
// key and is the only one accepted: a token that names another (none, or
// HS256 signed with the public key as its secret) is refused before its
// signature is looked at.
type tokens struct {
	key    any
	parser *jwt.Parser
}

// claims are the claims the contract reads: sub (required), role, name,
// exp (required), nbf and aud.
type claims struct {
	jwt.RegisteredClaims
	Role string `json:"role"`
	Name string `json:"name"`
}

func newTokens(cfg TokenConfig) (*tokens, error) {
	var method string
	var key any
	switch k := cfg.PublicKey.(type) {
	case nil:
		if len(cfg.Secret) < minSecret {
			return nil, fmt.Errorf("the JWT secret must be at least %d bytes, not %d", minSecret, len(cfg.Secret))
		}
		method, key = jwt.SigningMethodHS256.Alg(), cfg.Secret
	case ed25519.PublicKey:
		method, key = jwt.SigningMethodEdDSA.Alg(), k
	case *rsa.PublicKey:
		method, key = jwt.SigningMethodRS256.Alg(), k
	default:
		return nil, fmt.Errorf("a JWT public key is EdDSA (Ed25519) or RSA, not %T", k)
	}
	if cfg.PublicKey != nil && len(cfg.Secret) > 0 {
		return nil, errors.New("give a JWT secret or a public key, not both")
	}
	opts := []jwt.ParserOption{jwt.WithValidMethods([]string{method}), jwt.WithExpirationRequired()}
	if cfg.Audience != "" {
		opts = append(opts, jwt.WithAudience(cfg.Audience))
	}
	return &tokens{key: key, parser: jwt.NewParser(opts...)}, nil
}

// ParsePublicKey reads a PEM public key (PKIX, "PUBLIC KEY"): Ed25519 or RSA.
func ParsePublicKey(pemBytes []byte) (crypto.PublicKey, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, errors.New("no PEM block in the JWT public key file")
	}
	key, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("the JWT public key: %w", err)
	}
	switch key.(type) {
	case ed25519.PublicKey, *rsa.PublicKey:
		return key, nil
	}
	return nil, fmt.Errorf("a JWT public key is EdDSA (Ed25519) or RSA, not %T", key)
}

// check reads a token: the grant it gives, or the reason it gives none.
// A token with no sub, or a role or name the contract does not allow, is
// wrong: its issuer made a mistake, and guessing what it meant could grant
// too much. A token without a role may view.
func (t *tokens) check(raw string) (Grant, string) {
	var c claims
	_, err := t.parser.ParseWithClaims(raw, &c, func(*jwt.Token) (any, error) { return t.key, nil })
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return Grant{}, ReasonExpired
	case err != nil:
		return Grant{}, ReasonWrong
	case c.Subject == "" || c.ExpiresAt == nil:
		return Grant{}, ReasonWrong
	}
	role := protocol.RoleView
	if c.Role != "" {
		if role, err = protocol.ParseRole(c.Role); err != nil {
			return Grant{}, ReasonWrong
		}
	}
	who, err := models.NewIdentity("", c.Name)
	if err != nil {
		return Grant{}, ReasonWrong
	}
	return Grant{Role: role, Subject: c.Subject, Name: who.Name, Expires: c.ExpiresAt.Time}, ""
}
