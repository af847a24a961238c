// Package redact keeps secrets out of logs. The server logs a database URL
// at start and a request's URL when it fails; both may carry a password, a
// client id, a key or a token, in a form the server does not control.
package redact

import (
	"net/url"
	"regexp"
	"strings"
)

// Mask stands in for a secret's value.
const Mask = "xxxxx"

// secretWords are the parts of a parameter name that say its value is a
// secret: password, sslpassword, pwd, key, api_key, token, access_token,
// secret, client (a client id works like a password), auth, authorization.
// A name is matched whole-insensitively and after URL-decoding, so
// pass%77ord and PASSWORD are caught too. Masking a harmless value by
// mistake costs a log reader little; missing a secret costs much more.
var secretWords = []string{"pass", "pwd", "key", "token", "secret", "client", "auth", "jwt", "sig", "cred"}

// setting is one name=value pair of a query string or of a key=value
// connection string (`host=h password='a b'`), with what precedes it.
var setting = regexp.MustCompile(`(^|[\s?&;])([^\s=?&;]+)(\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&;]*)`)

// userinfo is the user:password@ of a URL that does not parse (a password
// with a ? or # in it, unescaped): everything up to the last @.
var userinfo = regexp.MustCompile(`(://[^:/@\s]*:)\S*@`)

// String returns s with the secrets it can recognise masked: the password of
// a URL's user:password@, and the value of every query parameter or
// key=value setting whose name says it is a secret (secretWords). It takes
// a URL (postgres://..., a request's /ws?client=...), a key=value
// connection string, a file path, or any text; what it does not recognise
// it returns unchanged. Everything that logs a URL, a connection string or
// a request goes through it.
func String(s string) string {
	u, err := url.Parse(s)
	// An @ with no user parsed means a password with a ? or # in it
	// broke the URL into pieces: mask as for a URL that does not parse.
	parsed := err == nil && (u.Scheme != "" && u.Opaque == "" && (u.User != nil || !strings.Contains(s, "@")) || strings.HasPrefix(s, "/"))
	if parsed {
		if p, ok := u.User.Password(); ok && p != "" {
			u.User = url.UserPassword(u.User.Username(), Mask)
		}
		u.RawQuery = settings(u.RawQuery)
		u.Fragment, u.RawFragment = "", ""
		return u.String()
	}
	return settings(userinfo.ReplaceAllString(s, "${1}"+Mask+"@"))
}

// settings masks the value of every name=value pair whose name is a secret.
func settings(s string) string {
	var b strings.Builder
	last := 0
	for _, m := range setting.FindAllStringSubmatchIndex(s, -1) {
		name := s[m[4]:m[5]]
		if !isSecret(name) {
			continue
		}
		b.WriteString(s[last:m[8]])
		b.WriteString(Mask)
		last = m[9]
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// isSecret reports whether a parameter's name says its value is a secret.
func isSecret(name string) bool {
	if d, err := url.QueryUnescape(name); err == nil {
		name = d
	}
	name = strings.ToLower(name)
	for _, w := range secretWords {
		if strings.Contains(name, w) {
			return true
		}
	}
	return false
}
