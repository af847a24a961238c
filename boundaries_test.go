package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"livedash/models"
	"livedash/protocol"
)

// TestImportBoundaries keeps the layers apart: the domain knows no storage
// or transport, the store no transport, the Go client no server code but
// the domain's types and the wire contract (protocol), and the WebSocket
// write engine nothing of what it writes. A violation is an import, direct
// or indirect.
func TestImportBoundaries(t *testing.T) {
	transports := []string{"github.com/gofiber/", "github.com/valyala/fasthttp", "net/http", "livedash/ws", "livedash/handlers", "livedash/app"}
	tests := []struct {
		pkg       string
		forbidden []string
	}{
		{"livedash/models", append([]string{"livedash/store", "livedash/metrics"}, transports...)},
		{"livedash/store", append([]string{"livedash/metrics"}, transports...)},
		// The client speaks the wire like any program would; of the server
		// it knows only the domain's types and the contract.
		{"livedash/client", []string{"livedash/store", "livedash/ws", "livedash/handlers", "livedash/app", "livedash/metrics", "livedash/public", "livedash/faults", "livedash/cmd"}},
		// The outbox writes frames as bytes: it knows nothing of what they
		// say (the contract and its decoding, the domain) or of where they
		// come from (the store, the session, the handlers).
		{"livedash/ws/outbox", []string{"livedash/store", "livedash/handlers", "livedash/app", "livedash/protocol", "livedash/models", "livedash/ws", "livedash/client"}},
	}
	for _, tt := range tests {
		t.Run(tt.pkg, func(t *testing.T) {
			for _, dep := range deps(t, tt.pkg) {
				for _, bad := range tt.forbidden {
					if dep == bad || strings.HasSuffix(bad, "/") && strings.HasPrefix(dep, bad) || strings.HasPrefix(dep, bad+"/") {
						t.Errorf("%s imports %s", tt.pkg, dep)
					}
				}
			}
		})
	}
}

// TestProtocolImportsOnlyModels keeps the wire contract importable by every
// side of the wire, the store included: package protocol may import models
// and the standard library (a first path element without a dot), nothing
// else. models' own imports are held by TestImportBoundaries.
func TestProtocolImportsOnlyModels(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{join .Imports "\n"}}`, "livedash/protocol").Output()
	if err != nil {
		t.Fatalf("go list livedash/protocol: %v", err)
	}
	imports := strings.Fields(string(out))
	if len(imports) == 0 {
		t.Fatal("go list listed no imports of livedash/protocol")
	}
	for _, imp := range imports {
		first, _, _ := strings.Cut(imp, "/")
		stdlib := !strings.Contains(first, ".") && first != "livedash"
		if imp != "livedash/models" && !stdlib {
			t.Errorf("livedash/protocol imports %s; it may import only livedash/models and the standard library", imp)
		}
	}
}

// TestCodesDeclaredOnce holds the contract's error codes to one
// declaration each: every code's string is the value of exactly one
// constant in the non-test Go code, and every constant of type models.Code
// anywhere has a row (an HTTP status) in protocol's table. The request,
// reply and event names of protocol are held to one constant each too.
func TestCodesDeclaredOnce(t *testing.T) {
	consts := constStrings(t)
	rows := map[models.Code]bool{}
	for _, spec := range protocol.Codes() {
		if rows[spec.Code] {
			t.Errorf("code %s has two rows in protocol.Codes", spec.Code)
		}
		rows[spec.Code] = true
		if decls := consts[string(spec.Code)]; len(decls) != 1 {
			t.Errorf("code %q is declared by %d constants, want 1: %v", spec.Code, len(decls), decls)
		}
		if spec.Status < 400 || spec.Status > 599 {
			t.Errorf("code %s maps to HTTP status %d, not an error status", spec.Code, spec.Status)
		}
	}
	codeConsts := 0
	for value, decls := range consts {
		for _, d := range decls {
			if d.code {
				codeConsts++
				if !rows[models.Code(value)] {
					t.Errorf("code %q (%s) has no row in protocol.Codes, so no HTTP status", value, d.pos)
				}
			}
		}
	}
	if codeConsts != len(rows) {
		t.Errorf("found %d constants of type models.Code, want one per row of protocol.Codes (%d)", codeConsts, len(rows))
	}
	names := 0
	for value, decls := range consts {
		isName := slices.ContainsFunc(decls, func(d constDecl) bool {
			return d.pkg == "protocol" && (strings.HasPrefix(d.name, "Type") || strings.HasPrefix(d.name, "Event"))
		})
		if !isName {
			continue
		}
		names++
		if len(decls) != 1 {
			t.Errorf("%q is declared by %d constants, want 1: %v", value, len(decls), decls)
		}
	}
	if names < 20 {
		t.Errorf("found %d request, reply and event names in protocol, want every one (20 or more)", names)
	}
}

// constDecl is one string constant of the non-test Go code.
type constDecl struct {
	pkg, name, pos string
	code           bool // of type models.Code (Code within models)
}

// constStrings maps each string value to the constants declared with it,
// across every non-test Go file of the module.
func constStrings(tb testing.TB) map[string][]constDecl {
	tb.Helper()
	consts := map[string][]constDecl{}
	fset := token.NewFileSet()
	files := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != "." && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		files++
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				code := isCodeType(f.Name.Name, vs.Type)
				for i, v := range vs.Values {
					lit, ok := v.(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						continue
					}
					s, err := strconv.Unquote(lit.Value)
					if err != nil {
						return err
					}
					consts[s] = append(consts[s], constDecl{pkg: f.Name.Name, name: vs.Names[i].Name, pos: fset.Position(lit.Pos()).String(), code: code})
				}
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatalf("scan the Go files: %v", err)
	}
	if files < 50 {
		tb.Fatalf("scanned only %d Go files; run from the module root", files)
	}
	return consts
}

// isCodeType reports whether a constant's declared type is models.Code.
func isCodeType(pkg string, typ ast.Expr) bool {
	switch t := typ.(type) {
	case *ast.Ident:
		return pkg == "models" && t.Name == "Code"
	case *ast.SelectorExpr:
		x, ok := t.X.(*ast.Ident)
		return ok && x.Name == "models" && t.Sel.Name == "Code"
	}
	return false
}

// deps lists every package pkg imports, directly or not, as go list sees it.
func deps(tb testing.TB, pkg string) []string {
	tb.Helper()
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", pkg).Output()
	if err != nil {
		tb.Fatalf("go list %s: %v", pkg, err)
	}
	var list []string
	for _, p := range strings.Fields(string(out)) {
		if p != pkg {
			list = append(list, p)
		}
	}
	if len(list) == 0 {
		tb.Fatalf("go list %s listed no dependencies", pkg)
	}
	return list
}
