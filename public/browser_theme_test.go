package public_test

import (
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"livedash/app/apptest"
)

// One set of colours serves both themes (light-dark()): the system's
// preference picks one unless the toggle pinned a theme, which then wins
// over the system's.
func TestBrowserThemes(t *testing.T) {
	needBrowser(t)
	srv := apptest.MustStartServer(t)
	const light, dark = "rgb(243, 244, 248)", "rgb(12, 15, 22)"
	tests := []struct {
		name   string
		system string // prefers-color-scheme
		pinned string // livedash.theme in localStorage
		want   string
	}{
		{"system light", "light", "", light},
		{"system dark", "dark", "", dark},
		{"pinned dark on a light system", "light", "dark", dark},
		{"pinned light on a dark system", "dark", "light", light},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []windowOption
			if tt.pinned != "" {
				opts = append(opts, withStorage("livedash.theme", tt.pinned))
			}
			w := openWindow(t, srv, "Theo", opts...)
			_, err := chromedp.Call(w.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: tt.system}},
			})
			if err != nil {
				t.Fatal(err)
			}
			w.waitFor("the "+tt.want+" background", `getComputedStyle(document.body).backgroundColor === '`+tt.want+`'`)
			// Avatars follow the theme too: light text on a dark disc, or
			// the reverse. Theo's own is in the presence list.
			w.waitFor("avatar", `document.querySelector('.avatar') !== null`)
			lum := eval[float64](w, `(() => {
				const a = document.querySelector('.avatar');
				if (!a) return -1;
				const [r, g, b] = getComputedStyle(a).color.match(/\d+/g).map(Number);
				return (r + g + b) / 3;
			})()`)
			if lum < 0 {
				t.Fatal("the avatar went away before its colour was read")
			}
			if tt.want == dark && lum < 128 || tt.want == light && lum > 128 {
				t.Errorf("avatar text brightness %.0f does not fit the %s theme", lum, tt.name)
			}
		})
	}
}
