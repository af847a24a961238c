package redact

import (
	"strings"
	"testing"
)

func TestString(t *testing.T) {
	tests := []struct {
		name, in string
		secrets  []string // none may be left
		keep     []string // must be left
	}{
		{"userinfo", "postgres://app:s3cretPW@db.example:5432/livedash?sslmode=disable",
			[]string{"s3cretPW"}, []string{"app:" + Mask + "@", "db.example:5432", "sslmode=disable"}},
		{"query password", "postgres://app@db/livedash?password=s3cretPW&sslmode=require",
			[]string{"s3cretPW"}, []string{"password=" + Mask, "sslmode=require", "app@db"}},
		{"both", "postgresql://app:pw1secret@db/livedash?sslpassword=pw2secret&password=pw3secret",
			[]string{"pw1secret", "pw2secret", "pw3secret"}, []string{"db/livedash"}},
		{"encoded key", "postgres://db/livedash?pass%77ord=s3cretPW", []string{"s3cretPW"}, []string{"db/livedash"}},
		{"encoded key first letter", "postgres://db/livedash?%70assword=s3cretPW", []string{"s3cretPW"}, nil},
		{"upper-case key", "postgres://db/livedash?PASSWORD=s3cretPW", []string{"s3cretPW"}, nil},
		{"encoded password", "postgres://app:p%40ss%3Aw0rd@db/livedash", []string{"p%40ss", "p@ss", "w0rd"}, []string{"app:"}},
		{"password with ? and #", "postgres://app:ab?c#d@db/livedash", []string{"ab?c#d", "ab?c", "c#d"}, nil},
		{"port-like password", "postgres://app:12?ss@db/livedash", []string{"12?ss"}, nil},
		{"key=value DSN", "host=db user=app password=s3cretPW dbname=livedash",
			[]string{"s3cretPW"}, []string{"host=db", "user=app", "dbname=livedash"}},
		{"key=value DSN quoted", "host=db password='s3cret PW\\' x' dbname=livedash",
			[]string{"s3cret", "PW", "' x'"}, []string{"host=db", "dbname=livedash"}},
		{"key = value DSN spaced", "host=db password = s3cretPW dbname=livedash", []string{"s3cretPW"}, []string{"dbname=livedash"}},
		{"websocket request", "/ws?name=Alice&client=tA11Cnjx8ixGig4mivkS6O&key=K3yK3yK3y&since=4",
			[]string{"tA11Cnjx8ixGig4mivkS6O", "K3yK3yK3y"}, []string{"/ws?", "name=Alice", "since=4"}},
		{"token parameters", "/api/state?access_token=T0kenT0ken&jwt=J.W.T", []string{"T0kenT0ken", "J.W.T"}, []string{"/api/state"}},
		{"sqlite path", "/var/lib/livedash/livedash.db", nil, []string{"/var/lib/livedash/livedash.db"}},
		{"relative sqlite path", "livedash.db", nil, []string{"livedash.db"}},
		{"sqlite URI", "file:livedash.db?password=s3cretPW&mode=rwc", []string{"s3cretPW"}, []string{"file:livedash.db", "mode=rwc"}},
		{"plain path", "/api/items/3", nil, []string{"/api/items/3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := String(tt.in)
			for _, s := range tt.secrets {
				if strings.Contains(got, s) {
					t.Errorf("String(%q) = %q: %q is left", tt.in, got, s)
				}
			}
			for _, s := range tt.keep {
				if !strings.Contains(got, s) {
					t.Errorf("String(%q) = %q: %q is gone", tt.in, got, s)
				}
			}
		})
	}
}
