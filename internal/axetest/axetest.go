// Package axetest runs axe-core in a page of the browser tests and returns
// the accessibility violations that matter (impact serious or critical).
//
// axe-core comes from npm and is for the tests only: package.json and
// package-lock.json here pin it, `npm ci --prefix internal/axetest` (run by
// `make test`) installs it under node_modules, and the tests inject it into
// the page over DevTools; livedash never embeds or serves it.
package axetest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"livedash/internal/chromiumtest"
)

// Violation is one axe rule that failed, with the nodes that failed it.
type Violation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []Node `json:"nodes"`
}

// Node is one element that failed a rule.
type Node struct {
	Target  []string `json:"target"`
	HTML    string   `json:"html"`
	Summary string   `json:"failureSummary"`
}

// Path is where `npm ci` puts axe-core's browser bundle.
func Path() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "node_modules", "axe-core", "axe.min.js")
}

// Load returns axe-core's source. Without it the test is skipped with how
// to install it, or fails when the browser tests are required (the
// accessibility checks are part of them then).
func Load(tb testing.TB) string {
	tb.Helper()
	src, err := os.ReadFile(Path())
	if err != nil {
		const how = "npm ci --prefix internal/axetest (make test does it)"
		if os.Getenv(chromiumtest.EnvBrowser) == "required" {
			tb.Fatalf("%s=required but axe-core is missing: %v; install it: %s", chromiumtest.EnvBrowser, err, how)
		}
		tb.Skipf("accessibility checks skipped: axe-core not installed; %s (%v)", how, err)
	}
	return string(src)
}

// runJS runs axe on the whole document and keeps what a person is stopped
// by: serious and critical violations. Rules that need a person to judge
// (incomplete results) are not failures.
const runJS = `(async () => {
  const r = await axe.run(document, { resultTypes: ['violations'] });
  return JSON.stringify(r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical'));
})()`

// Run injects src into the page of ctx unless it is there already, runs
// axe and returns the serious and critical violations.
func Run(ctx context.Context, src string) ([]Violation, error) {
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof axe !== 'undefined'`))
	if err != nil {
		return nil, fmt.Errorf("look for axe-core: %w", err)
	}
	// Evaluated over DevTools, as a script of its own: the page's
	// Content-Security-Policy (no eval, no inline script) does not apply.
	if !loaded {
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](src)); err != nil {
			return nil, fmt.Errorf("inject axe-core: %w", err)
		}
	}
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](runJS, chromedp.EvalAwaitPromise))
	if err != nil {
		return nil, fmt.Errorf("run axe: %w", err)
	}
	var vs []Violation
	if err := json.Unmarshal([]byte(raw), &vs); err != nil {
		return nil, fmt.Errorf("decode axe's result: %w", err)
	}
	return vs, nil
}

// Format lists violations for a failure message: rule, impact, and each
// node's selector, markup and what axe says is wrong with it.
func Format(vs []Violation) string {
	var b strings.Builder
	for _, v := range vs {
		fmt.Fprintf(&b, "%s (%s): %s\n", v.ID, v.Impact, v.Help)
		for _, n := range v.Nodes {
			html := n.HTML
			if len(html) > 200 {
				html = html[:200] + "…"
			}
			fmt.Fprintf(&b, "  %s\n    %s\n    %s\n", strings.Join(n.Target, " "), html,
				strings.ReplaceAll(strings.TrimSpace(n.Summary), "\n", "\n    "))
		}
	}
	return b.String()
}
