package app

import (
	"context"
	"flag"
	"fmt"
	"io"

	"livedash/protocol"
	"livedash/store"
)

// runKeys is `livedash keys`: it prints the share links of the database's
// keys, or with --rotate ROLE replaces that role's key and prints the new
// link. It may run while servers run on the same database: each of them
// notices the rotation within keyPoll and closes the old key's
// connections.
func runKeys(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("livedash keys", flag.ContinueOnError)
	fs.SetOutput(stdout)
	f := flags{fs: fs, getenv: getenv}
	var db, addr, base, rotate string
	f.str(&db, "db", "livedash.db", "the server's database: SQLite file or postgres:// URL")
	f.str(&addr, "addr", "127.0.0.1:3000", "the server's listen address, for the links when --public-url is not set")
	f.str(&base, "public-url", "", "base URL of the links (default: http:// and --addr)")
	fs.StringVar(&rotate, "rotate", "", "replace the key of this role (view, edit or admin); its old links stop working on every instance within 2 s")
	err := fs.Parse(args)
	if err == flag.ErrHelp {
		return nil
	}
	if err != nil {
		return err
	}
	if err := errorsOf(f); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	var role protocol.Role
	if rotate != "" {
		if role, err = protocol.ParseRole(rotate); err != nil {
			return fmt.Errorf("--rotate: %s", err)
		}
	}
	if base == "" {
		base = "http://" + addr
	}
	st, err := store.OpenKeyring(ctx, db)
	if err != nil {
		return err
	}
	defer st.Close()
	if role != "" {
		k, err := st.RotateKey(ctx, role)
		if err != nil {
			return err
		}
		printLinks(stdout, base, []store.AccessKey{k})
		return nil
	}
	keys, err := st.AccessKeys(ctx)
	if err != nil {
		return err
	}
	printLinks(stdout, base, keys)
	return nil
}
