package ws

import (
	"bufio"
	"encoding/binary"
	"io"
	"time"

	"github.com/gofiber/contrib/websocket"
)

// linger reads and drops what the peer still sends after our close frame,
// until its own close frame arrives, it hangs up, or a second passes.
// Closing a socket with unread data makes the kernel send a reset, which can
// destroy our close frame before the peer has read it; and a browser waits
// for the server to hang up first, so stopping at its close frame matters.
func (c *conn) linger() {
	nc := c.ws.NetConn()
	if nc.SetReadDeadline(time.Now().Add(min(c.cfg.WriteWait, time.Second))) != nil {
		return
	}
	skipToClose(bufio.NewReaderSize(nc, 512))
}

// skipToClose reads client frames (RFC 6455 §5.2) until a close frame or an
// error, discarding their payloads.
func skipToClose(r *bufio.Reader) {
	var hdr [8]byte
	for {
		if _, err := io.ReadFull(r, hdr[:2]); err != nil {
			return
		}
		opcode, masked, n := hdr[0]&0x0F, hdr[1]&0x80 != 0, uint64(hdr[1]&0x7F)
		if opcode == websocket.CloseMessage {
			return
		}
		switch n {
		case 126:
			if _, err := io.ReadFull(r, hdr[:2]); err != nil {
				return
			}
			n = uint64(binary.BigEndian.Uint16(hdr[:2]))
		case 127:
			if _, err := io.ReadFull(r, hdr[:8]); err != nil {
				return
			}
			n = binary.BigEndian.Uint64(hdr[:8])
		}
		if masked {
			n += 4 // the masking key
		}
		if _, err := r.Discard(int(min(n, 1<<30))); err != nil {
			return
		}
	}
}
