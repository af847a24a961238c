package client_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"livedash/client"
	"livedash/models"
	"livedash/protocol"
)

// receive waits for the next event from ch, as long as ctx allows: an
// event that never comes is an error, not a program that hangs.
func receive(ctx context.Context, ch <-chan client.Event) client.Event {
	select {
	case ev := <-ch:
		return ev
	case <-ctx.Done():
		log.Fatal("no event: ", ctx.Err())
		return client.Event{}
	}
}

// mustDial connects to the examples' server as long as ctx allows; like
// every error in these examples, a failure ends the program.
func mustDial(ctx context.Context, opts client.Options) *client.Client {
	c, err := client.Dial(ctx, serverURL, opts)
	if err != nil {
		log.Fatal(err)
	}
	return c
}

// A program that follows the dashboard: it loads the snapshot when the
// client says it has no state, then applies the events after it.
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	stream := make(chan client.Event)
	alice, err := client.Dial(ctx, serverURL, client.Options{
		Name: "Alice",
		OnEvent: func(ctx context.Context, ev client.Event) {
			select {
			case stream <- ev:
			case <-ctx.Done(): // the client is closing
			}
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer alice.Close()

	// A fresh client has no state: a welcome, then a resync.
	var snapshot models.State
	for {
		ev := receive(ctx, stream)
		if ev.Type == protocol.TypeResync {
			if snapshot, err = alice.State(ctx); err != nil {
				log.Fatal(err)
			}
			break
		}
	}
	fmt.Println("snapshot loaded")

	// Someone else adds an item.
	bob := mustDial(ctx, client.Options{Name: "Bob"})
	defer bob.Close()
	if _, _, err := bob.CreateItem(ctx, client.NewItem{Name: "Laptop", Description: "loaner"}); err != nil {
		log.Fatal(err)
	}

	for {
		ev := receive(ctx, stream)
		if !ev.IsChange() || ev.Seq <= snapshot.Seq {
			continue // presence, or an event the snapshot holds
		}
		var it models.Item
		if err := ev.Decode(&it); err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s %q by %s, right after the snapshot: %t\n", ev.Type, it.Name, ev.Actor.Name, ev.Seq == snapshot.Seq+1)
		break
	}
	// Output:
	// snapshot loaded
	// item.created "Laptop" by Bob, right after the snapshot: true
}

// Updates can be made conditional on the version the caller last saw.
func ExampleClient_UpdateItem() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := mustDial(ctx, client.Options{})
	defer c.Close()

	it, _, err := c.CreateItem(ctx, client.NewItem{Name: "Whiteboard"})
	if err != nil {
		log.Fatal(err)
	}
	seen := it.Version
	it, _, err = c.UpdateItem(ctx, client.ItemUpdate{ID: it.ID, Version: seen, Description: new("room 3")})
	fmt.Println(it.Description, it.Version, err)

	// A second update from the same, now stale, version is refused.
	_, _, err = c.UpdateItem(ctx, client.ItemUpdate{ID: it.ID, Version: seen, Name: new("Blackboard")})
	var e *models.Error
	if errors.As(err, &e) {
		fmt.Println(e.Code, e.Field)
	}
	// Output:
	// room 3 2 <nil>
	// conflict version
}

// Increments are atomic, and the demo data can be restored over REST.
func ExampleClient_IncrementScore() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := mustDial(ctx, client.Options{})
	defer c.Close()

	if _, err := c.Reset(ctx, ""); err != nil { // no admin token configured
		log.Fatal(err)
	}
	sc, _, err := c.IncrementScore(ctx, 1, 5)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s has %d points\n", sc.Player, sc.Points)
	// Output:
	// Alice has 47 points
}

// A request whose caller stopped waiting can be retried under the same
// id: it applies once, and the retry gets the first outcome.
func ExampleWithRequestID() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := mustDial(ctx, client.Options{})
	defer c.Close()

	rctx := client.WithRequestID(ctx, "add-printer-1")
	_, first, err := c.CreateItem(rctx, client.NewItem{Name: "Printer"})
	if err != nil {
		log.Fatal(err)
	}
	_, again, err := c.CreateItem(rctx, client.NewItem{Name: "Printer"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("same event:", first == again)
	// Output:
	// same event: true
}

// A program that stores its position and client id resumes after a
// restart with exactly the events it missed.
func ExampleOptions_resume() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := mustDial(ctx, client.Options{})
	_, seq, err := c.IncrementScore(ctx, 2, 1)
	if err != nil {
		log.Fatal(err)
	}
	if err := c.WaitSeq(ctx, seq); err != nil {
		log.Fatal(err)
	}
	since, epoch := c.Position()
	id := c.ClientID()
	c.Close()

	// Meanwhile, someone else changes something.
	other := mustDial(ctx, client.Options{})
	if _, _, err := other.IncrementScore(ctx, 3, 1); err != nil {
		log.Fatal(err)
	}
	other.Close()

	missed := make(chan client.Event)
	c, err = client.Dial(ctx, serverURL, client.Options{
		ClientID: id, Since: since, Epoch: epoch,
		OnEvent: func(ctx context.Context, ev client.Event) {
			if ev.IsChange() {
				select {
				case missed <- ev:
				case <-ctx.Done():
				}
			}
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	ev := receive(ctx, missed)
	var sc models.Score
	if err := ev.Decode(&sc); err != nil {
		log.Fatal(err)
	}
	fmt.Println("resumed:", c.Welcome().Resumed)
	fmt.Println(ev.Type, sc.Player, ev.Seq == since+1)
	// Output:
	// resumed: true
	// score.updated Carol true
}
