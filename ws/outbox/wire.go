package outbox

import "encoding/binary"

// maxBatchBytes bounds one coalesced write, so a backlog goes out in a few
// large writes instead of one syscall per frame or one huge buffer.
const maxBatchBytes = 64 << 10

// appendTextFrame appends payload as one unmasked, unfragmented WebSocket
// text frame (RFC 6455 §5.2), as a server sends it.
func appendTextFrame(buf, payload []byte) []byte {
	return append(appendTextHeader(buf, len(payload)), payload...)
}

// appendTextFrameParts appends one text frame whose payload is parts, in
// order.
func appendTextFrameParts(buf []byte, parts ...[]byte) []byte {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	buf = appendTextHeader(buf, n)
	for _, p := range parts {
		buf = append(buf, p...)
	}
	return buf
}

func appendTextHeader(buf []byte, n int) []byte {
	const finText = 0x81
	switch {
	case n < 126:
		buf = append(buf, finText, byte(n))
	case n <= 0xFFFF:
		buf = append(buf, finText, 126)
		buf = binary.BigEndian.AppendUint16(buf, uint16(n))
	default:
		buf = append(buf, finText, 127)
		buf = binary.BigEndian.AppendUint64(buf, uint64(n))
	}
	return buf
}

// appendControlFrame appends an unmasked control frame (ping or pong) with
// payload, which must be at most 125 bytes (longer is cut).
func appendControlFrame(buf []byte, op int, payload string) []byte {
	payload = payload[:min(len(payload), 125)]
	buf = append(buf, 0x80|byte(op), byte(len(payload)))
	return append(buf, payload...)
}
