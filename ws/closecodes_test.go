package ws

import (
	"testing"

	"livedash/protocol"
	"livedash/ws/outbox"
)

// The outbox may not import the contract, so it keeps copies of the two
// close codes it sends itself; they must stay the contract's.
func TestOutboxCloseCodesAreProtocols(t *testing.T) {
	if outbox.CloseNormal != protocol.CloseNormal {
		t.Errorf("outbox.CloseNormal = %d, protocol says %d", outbox.CloseNormal, protocol.CloseNormal)
	}
	if outbox.CloseTryAgain != protocol.CloseTryAgain {
		t.Errorf("outbox.CloseTryAgain = %d, protocol says %d", outbox.CloseTryAgain, protocol.CloseTryAgain)
	}
}
