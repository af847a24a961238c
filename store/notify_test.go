package store

import (
	"strconv"
	"sync"
	"testing"
	"time"

	"livedash/models"
)

// A notification wakes the publisher only for a seq above the one it
// knows it will have without reading the log: its own commits come back
// to it as notifications too, and must not cost a read of the log;
// anything unreadable wakes it.
func TestNotificationNews(t *testing.T) {
	for _, tc := range []struct {
		name    string
		payload string
		known   int64
		want    bool
	}{
		{"own commit", "41", 41, false},
		{"older commit", "40", 41, false},
		{"another instance's newer commit", "42", 41, true},
		{"empty payload", "", 41, true},
		{"not a seq", "x", 41, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := news(tc.payload, tc.known); got != tc.want {
				t.Errorf("news(%q, %d) = %v, want %v", tc.payload, tc.known, got, tc.want)
			}
		})
	}
}

// TestCommitNotifiesTheOtherInstances: a batch's commit wakes the other
// instances (its notification rides in the commit's round trip). Their
// poll is an hour here, so nothing else makes B read the log once its
// LISTEN is up: it is when B has A's first commit, which only the wake
// after LISTEN or a notification could bring.
func TestCommitNotifiesTheOtherInstances(t *testing.T) {
	postgresOnly(t, "PostgreSQL only: notifications between instances")
	path := t.TempDir() + "/shared.db"
	a, _ := MustOpenStore(t, withPath(path), withPoll(time.Hour))
	_, rb := MustOpenStore(t, withPath(path), withPoll(time.Hour))
	first := mustMutate(t, a, &models.IncrementScore{ID: 1, By: 1})
	waitRecorded(t, rb, first.Seq)
	for range 3 {
		res := mustMutate(t, a, &models.IncrementScore{ID: 1, By: 1})
		waitRecorded(t, rb, res.Seq)
	}
}

// TestOwnCommitIsKnownBeforeItIsPublished: an instance hears its own
// commits' notifications, which may come before its publisher has
// published the batch; it must not take them for news (a read of the log
// for nothing, per batch). With the feed held, the commit is in the log
// and not published, and its notification is still no news.
func TestOwnCommitIsKnownBeforeItIsPublished(t *testing.T) {
	postgresOnly(t, "PostgreSQL only: notifications")
	feed := &heldFeed{entered: make(chan struct{}, 1)}
	s, _ := MustOpenStore(t, withSyncNormal(), func(o *Options) { o.Feed = feed })
	hold := feed.hold()
	done := make(chan error, 1)
	if err := s.Submit(Origin{}, &models.IncrementScore{ID: 1, By: 1}, func(_ Result, err error) { done <- err }); err != nil {
		t.Fatal(err)
	}
	waitClosed(t, feed.entered, "the publisher to hold the batch")
	var top int64
	if err := s.read.Raw("SELECT seq FROM seq_counter WHERE id = 1").Scan(&top).Error; err != nil {
		t.Fatal(err)
	}
	if s.seq.Load() >= top {
		t.Fatalf("seq %d is published already", top)
	}
	if news(strconv.FormatInt(top, 10), s.known()) {
		t.Errorf("the notification of its own commit %d, not yet published, would wake the publisher (known %d)", top, s.known())
	}
	close(hold)
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("timed out waiting for the increment")
	}
}

func withPoll(d time.Duration) func(*Options) { return func(o *Options) { o.pgPoll = d } }

// heldFeed is a recorder whose Publish, after hold, signals entered and
// waits until the channel hold returned is closed.
type heldFeed struct {
	recorder
	mu      sync.Mutex
	held    chan struct{}
	entered chan struct{}
}

func (f *heldFeed) hold() chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.held = make(chan struct{})
	return f.held
}

func (f *heldFeed) Publish(evs []models.Event) {
	f.mu.Lock()
	held := f.held
	f.mu.Unlock()
	if held != nil {
		f.entered <- struct{}{}
		<-held
	}
	f.recorder.Publish(evs)
}
