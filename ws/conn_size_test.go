package ws

import (
	"testing"
	"unsafe"
)

// connSizeClass is the allocation size class a conn fits in: every idle
// connection of a crowd pays for one, so a field that pushes conn into the
// next class (384 bytes) costs 32 bytes per connection. Keep what is used
// only while opening out of conn (see identity).
const connSizeClass = 352

func TestConnFitsItsSizeClass(t *testing.T) {
	if got := unsafe.Sizeof(conn{}); got > connSizeClass {
		t.Errorf("conn is %d bytes, over the %d-byte size class it is meant to fit", got, connSizeClass)
	}
}
