// Package chromiumtest finds the headless Chromium of the browser tests
// (public/ and faults/) and gives the flags it runs with: one rule for
// where the browser is, for whether its absence skips or fails a test,
// and for how it is started.
package chromiumtest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"testing"

	"github.com/chromedp/chromedp"
)

const (
	// EnvBrowser=required turns a missing browser into a failure (.ci/run sets it).
	EnvBrowser = "LIVEDASH_BROWSER"
	// EnvChromium names the browser binary; it overrides the PATH lookup.
	EnvChromium = "LIVEDASH_CHROMIUM"
)

// Path finds the browser: $LIVEDASH_CHROMIUM when set (a path or a name on
// PATH), else chromium on PATH, else the Debian location.
func Path() (string, error) {
	if p := os.Getenv(EnvChromium); p != "" {
		found, err := exec.LookPath(p)
		if err != nil {
			return "", fmt.Errorf("%s=%s: %w", EnvChromium, p, err)
		}
		return found, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "/usr/bin/chromium"} {
		if found, err := exec.LookPath(name); err == nil {
			return found, nil
		}
	}
	return "", errors.New("chromium not found on PATH nor at /usr/bin/chromium")
}

// Need returns the browser's path. Without one the test is skipped, or
// fails when LIVEDASH_BROWSER=required.
func Need(tb testing.TB) string {
	tb.Helper()
	path, err := Path()
	if err != nil {
		if os.Getenv(EnvBrowser) == "required" {
			tb.Fatalf("%s=required but no browser: %v (apt-get install -y chromium)", EnvBrowser, err)
		}
		tb.Skipf("browser tests skipped: chromium not installed; apt-get install -y chromium (%v)", err)
	}
	return path
}

// Options are the flags of a headless Chromium at path with its profile in
// dir, then extra.
func Options(path, dir string, extra ...chromedp.ExecAllocatorOption) []chromedp.ExecAllocatorOption {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.UserDataDir(dir),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		// Chromium must not phone home: this machine refuses the connections.
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.NoFirstRun,
	)
	return append(opts, extra...)
}
