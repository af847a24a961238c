package faults

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"

	"livedash/app/apptest"
	"livedash/client"
	"livedash/models"
	"livedash/protocol"
)

// dialClient connects a livedash client to the current process; it
// reconnects to the same address across restarts, and is closed at cleanup.
func (s *server) dialClient(tb testing.TB, opts client.Options) *client.Client {
	tb.Helper()
	return apptest.DialClient(tb, "http://"+s.addr, opts)
}

// dropWatch closes lost at the first connection a client loses, and runs
// next, if any, on every event: use its OnEvent as the client's.
type dropWatch struct {
	lost  chan struct{}
	first client.Disconnect // why; set before lost is closed
	once  sync.Once
	next  func(context.Context, client.Event)
}

func newDropWatch(next func(context.Context, client.Event)) *dropWatch {
	return &dropWatch{lost: make(chan struct{}), next: next}
}

func (d *dropWatch) OnEvent(ctx context.Context, ev client.Event) {
	if ev.Type == client.TypeDisconnected {
		d.once.Do(func() {
			d.first, _ = ev.Disconnect()
			close(d.lost)
		})
	}
	if d.next != nil {
		d.next(ctx, ev)
	}
}

// replyFrame is the reply a call got, as the wire would have carried it,
// for checks written against frames.
func replyFrame(id string, seq int64, record any, err error) frame {
	f := frame{Frame: apptest.Frame{Reply: protocol.Reply{ID: &id}}}
	if err != nil {
		var e *models.Error
		if !errors.As(err, &e) {
			e = &models.Error{Code: "!" + models.Code(err.Error())} // not from the server: fails every check
		}
		f.Type, f.Error = protocol.TypeError, e
		f.Raw, _ = json.Marshal(map[string]any{"type": f.Type, "id": id, "error": f.Error})
		return f
	}
	f.Type, f.Seq = protocol.TypeAck, seq
	f.Data, _ = json.Marshal(record)
	f.Raw, _ = json.Marshal(map[string]any{"type": f.Type, "id": id, "seq": seq, "data": f.Data})
	return f
}

// eventFrame is an event a client delivered, as the wire carried it.
func eventFrame(ev client.Event) frame {
	return frame{Frame: apptest.Frame{Reply: protocol.Reply{Type: ev.Type, Seq: ev.Seq, Data: ev.Data}, Raw: ev.Raw}}
}
