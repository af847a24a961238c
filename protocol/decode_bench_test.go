package protocol

import "testing"

// BenchmarkDecode is the per-frame cost of reading a request: every frame a
// client sends goes through Decode, so strict input must stay cheap here.
func BenchmarkDecode(b *testing.B) {
	for _, bc := range []struct{ name, frame string }{
		{"ping", `{"type":"ping","id":"1","data":{}}`},
		{"increment", `{"type":"score.increment","id":"r-1842","data":{"id":3,"by":5}}`},
		{"create", `{"type":"item.create","id":"r-17","data":{"name":"Projector","description":"room 2, the one with the broken blind by the window"}}`},
		{"update", `{"type":"item.update","id":"r-18","data":{"id":7,"version":3,"name":"Projector Ω","description":"Zoë's"}}`},
	} {
		frame := []byte(bc.frame)
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(frame)))
			for b.Loop() {
				if _, err := Decode(frame); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
