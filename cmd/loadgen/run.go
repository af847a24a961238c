package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fasthttp/websocket"

	ldclient "livedash/client"
	"livedash/models"
)

// runner holds one run's state.
type runner struct {
	cfg      Config
	start    time.Time
	runID    string
	dialers  map[string]*websocket.Dialer // by address: --addr and each of --listen-addrs
	api      *apiClient
	progress io.Writer

	clients []*client // index: listeners first, then writers; nil = failed to connect
	writers []*writer // connected writers
	rdrs    []*reader // HTTP readers of /api/state (--readers)

	readClient *http.Client

	scoreIDs []int64 // existing records the writers target (read-only during the run)
	itemIDs  []int64

	closing atomic.Bool
	readers sync.WaitGroup

	mu     sync.Mutex
	errs   map[string]int64
	notes  []string
	epoch  string
	epochs int // distinct epochs seen in welcomes
}

func (r *runner) nowUs() int64 { return int64(time.Since(r.start) / time.Microsecond) }

func (r *runner) addErr(code string, n int64) {
	r.mu.Lock()
	r.errs[code] += n
	r.mu.Unlock()
}

// noteErr keeps the first few error messages for the report.
func (r *runner) noteErr(msg string) {
	r.mu.Lock()
	if len(r.notes) < 10 {
		r.notes = append(r.notes, msg)
	}
	r.mu.Unlock()
}

func (r *runner) logf(format string, args ...any) {
	if r.cfg.Quiet || r.progress == nil {
		return
	}
	fmt.Fprintf(r.progress, "[loadgen %6.1fs] %s\n", time.Since(r.start).Seconds(), fmt.Sprintf(format, args...))
}

// dialersFor makes one dialer per address the run connects to.
func dialersFor(cfg Config) map[string]*websocket.Dialer {
	d := map[string]*websocket.Dialer{cfg.Addr: newDialer(cfg.Addr)}
	for _, a := range cfg.ListenAddrs {
		if d[a] == nil {
			d[a] = newDialer(a)
		}
	}
	return d
}

func newRunID() string {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return strconv.FormatInt(time.Now().UnixNano()%1e8, 36)
	}
	return hex.EncodeToString(b[:])
}

// runLoad performs one run. ctx carries the hard deadline; when it ends
// early every phase stops and the report covers what was measured.
func runLoad(ctx context.Context, cfg Config, progress io.Writer) (*Result, error) {
	cpu0, _ := selfUsage()
	r := &runner{
		cfg:      cfg,
		start:    time.Now(),
		runID:    newRunID(),
		dialers:  dialersFor(cfg),
		api:      newAPIClient(cfg.Addr),
		progress: progress,
		errs:     map[string]int64{},
	}
	defer r.api.close()

	st, err := r.prepare(ctx)
	if err != nil {
		return nil, err
	}
	mem := r.startMemory(ctx)
	connStart := time.Now()
	conns := r.connect(ctx)
	connectDur := time.Since(connStart)
	writeStart, writeEnd := r.load(ctx, conns)
	if unacked := r.waitReplies(ctx); unacked > 0 {
		r.addErr("no_reply", int64(unacked))
	}
	// Deliveries of our own mutations first, then the server's final seq:
	// the control connection that reads it is not load (on livedash its
	// join and leave are a presence round to every listener), so the
	// "delivered" line below ends the window in which cmd/bench counts the
	// server's CPU per delivery.
	acked := r.lastAcked(st.Seq)
	behind := r.drain(ctx, acked)
	r.logf("delivered: seq %d acked last; %d connections short of it after drain", acked, behind)
	final := r.finalSeq(acked)
	if final > acked {
		behind = r.drain(ctx, final)
	}
	r.logf("final seq %d; %d connections short of it after drain", final, behind)

	// Memory while every connection is still open, then close.
	mem.finish()
	r.closeAll()

	res := r.result(final, writeStart, writeEnd, connectDur)
	if cfg.Timeline != "" {
		if err := r.writeTimeline(cfg.Timeline); err != nil {
			res.Notes = append(res.Notes, "timeline: "+err.Error())
		}
	}
	mem.report(res)
	cpu1, maxRSS := selfUsage()
	res.LoadgenCPUS = (cpu1 - cpu0).Seconds()
	res.LoadgenMaxRSSMB = float64(maxRSS) / (1 << 20)
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		res.Aborted = "deadline"
	case ctx.Err() != nil:
		res.Aborted = "interrupted"
	}
	return res, nil
}

// prepare takes the snapshot, notes the records the writers will target,
// and seeds what the mix needs.
func (r *runner) prepare(ctx context.Context) (models.State, error) {
	ct, err := dialControl(ctx, r.cfg.Addr, r.runID)
	if err != nil {
		return models.State{}, fmt.Errorf("server at %s not usable: %w", r.cfg.Addr, err)
	}
	defer ct.close() // before the RSS baseline
	st, err := ct.state(ctx)
	if err != nil {
		return st, fmt.Errorf("server at %s not usable: %w", r.cfg.Addr, err)
	}
	r.logf("run %s (started %s): server seq %d, %d items, %d scores", r.runID, r.start.UTC().Format("15:04:05.000000"), st.Seq, len(st.Items), len(st.Scores))
	for _, s := range st.Scores {
		r.scoreIDs = append(r.scoreIDs, s.ID)
	}
	for _, it := range st.Items {
		r.itemIDs = append(r.itemIDs, it.ID)
	}
	return st, r.seed(ctx, ct)
}

// memory follows the server's memory over the run: RSS sampled from a
// baseline taken before any connection, and the Go runtime's figures.
type memory struct {
	rss      *rssSampler
	source   string
	baseline int64 // -1 when unknown
	peak     int64
	rssErr   error
	api      *apiClient
	rtBase   runtimeStats
	rt       runtimeStats
	rtErr    error
}

func (r *runner) startMemory(ctx context.Context) *memory {
	m := &memory{baseline: -1, api: r.api}
	if r.cfg.PID > 0 {
		m.rss, m.source = &rssSampler{read: procRSS(r.cfg.PID)}, fmt.Sprintf("/proc/%d/status", r.cfg.PID)
	} else {
		m.rss, m.source = &rssSampler{read: metricsRSS(r.api)}, "/metrics"
	}
	m.rss.sample(ctx)
	if m.rss.samples > 0 {
		m.baseline = m.rss.last
	} else {
		r.logf("no RSS from %s: %v", m.source, m.rss.lastErr)
	}
	m.rss.start(ctx, time.Second)
	m.rtBase, m.rtErr = readRuntimeStats(ctx, r.api)
	return m
}

func (m *memory) finish() {
	m.peak, m.rssErr = m.rss.finish(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var err error
	m.rt, err = readRuntimeStats(ctx, m.api)
	m.rtErr = errors.Join(m.rtErr, err)
}

func (m *memory) report(res *Result) {
	res.RSSSource = m.source
	if m.peak >= 0 {
		res.RSSMB = ptr(float64(m.peak) / (1 << 20))
		if m.baseline >= 0 {
			res.RSSBaselineMB = ptr(float64(m.baseline) / (1 << 20))
		}
		if res.Conns > 0 {
			delta := m.peak
			if m.baseline >= 0 {
				delta = max(m.peak-m.baseline, 0)
			}
			res.RSSPerConnKB = ptr(float64(delta) / 1024 / float64(res.Conns))
		}
	} else if m.rssErr != nil {
		res.Notes = append(res.Notes, "rss: "+m.rssErr.Error())
	}
	if m.rtErr != nil {
		res.Notes = append(res.Notes, "runtime stats: "+m.rtErr.Error())
	} else {
		res.setRuntime(m.rtBase, m.rt)
	}
}

// connect opens every listener and writer and returns how many connected.
func (r *runner) connect(ctx context.Context) int {
	start := time.Now()
	r.connectAll(ctx)
	conns := 0
	for _, c := range r.clients {
		if c != nil {
			conns++
		}
	}
	r.logf("connected %d/%d in %.1fs", conns, len(r.clients), time.Since(start).Seconds())
	return conns
}

// load runs the writers (and readers, with --readers) for the duration and
// returns when the window began and ended. They end early only if they all
// stop by themselves (budget spent, connections failed).
func (r *runner) load(ctx context.Context, conns int) (writeStart, writeEnd int64) {
	cfg := r.cfg
	writeStart = r.nowUs()
	var budget, readBudget atomic.Int64
	budget.Store(cfg.MaxMutations)
	readBudget.Store(cfg.MaxReads)
	stop := make(chan struct{})
	var wwg sync.WaitGroup
	if len(r.writers) > 0 && ctx.Err() == nil {
		perSec := cfg.Rate / float64(len(r.writers))
		r.logf("%d writers sending for %s (%s)", len(r.writers), cfg.Duration, rateText(cfg))
		for _, w := range r.writers {
			wwg.Add(1)
			go func() {
				defer wwg.Done()
				w.run(ctx, stop, perSec, &budget)
			}()
		}
	}
	if cfg.Readers > 0 && ctx.Err() == nil {
		r.logf("%d readers sending GET %s for %s", cfg.Readers, readPath, cfg.Duration)
		r.startReaders(ctx, stop, &readBudget, &wwg)
	}
	var writersDone chan struct{}
	if len(r.writers) > 0 || len(r.rdrs) > 0 {
		writersDone = make(chan struct{})
		go func() {
			wwg.Wait()
			close(writersDone)
		}()
	}
	if conns > 0 || len(r.rdrs) > 0 {
		select {
		case <-time.After(cfg.Duration):
		case <-ctx.Done():
		case <-writersDone:
		}
	}
	close(stop)
	wwg.Wait()
	return writeStart, r.nowUs()
}

// lastAcked is the highest seq acked to our writers (snapshot if none).
func (r *runner) lastAcked(snapshot int64) int64 {
	last := snapshot
	for _, w := range r.writers {
		w.mu.Lock()
		for _, a := range w.acks {
			last = max(last, a.seq)
		}
		w.mu.Unlock()
	}
	return last
}

// finalSeq is the last seq the run must see delivered: the last one we
// produced (acked), or later if the server says so (another producer).
func (r *runner) finalSeq(acked int64) int64 {
	final := acked
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if st, err := finalState(ctx, r.cfg.Addr, r.runID); err == nil {
		final = max(final, st.Seq)
	} else {
		r.noteErr("final state: " + err.Error())
	}
	return final
}

func rateText(cfg Config) string {
	if cfg.Rate > 0 {
		return fmt.Sprintf("%.0f/s total", cfg.Rate)
	}
	return fmt.Sprintf("closed loop, depth %d per writer", cfg.Depth)
}

// seed creates records when the mix targets a kind that has none.
func (r *runner) seed(ctx context.Context, ct *control) error {
	if r.cfg.Writers == 0 {
		return nil
	}
	if r.cfg.Mix.needsScores() && len(r.scoreIDs) == 0 {
		ids, err := r.seedN("scores", "increment", func(name string) (int64, error) {
			sc, _, err := ct.c.CreateScore(ctx, ldclient.NewScore{Player: name})
			return sc.ID, err
		})
		r.scoreIDs = ids
		if err != nil {
			return err
		}
	}
	if r.cfg.Mix.needsItems() && len(r.itemIDs) == 0 {
		ids, err := r.seedN("items", "update", func(name string) (int64, error) {
			it, _, err := ct.c.CreateItem(ctx, ldclient.NewItem{Name: name})
			return it.ID, err
		})
		r.itemIDs = ids
		if err != nil {
			return err
		}
	}
	return nil
}

// seedN creates SeedRecords records of one kind through create, which gets
// each record's name and returns its id. On an error it returns the ids
// created so far with it, as the run keeps what it seeded.
func (r *runner) seedN(kind, use string, create func(name string) (int64, error)) ([]int64, error) {
	ids := make([]int64, 0, r.cfg.SeedRecords)
	for i := 0; i < r.cfg.SeedRecords; i++ {
		id, err := create(fmt.Sprintf("lg-%s-seed-%d", r.runID, i))
		if err != nil {
			return ids, fmt.Errorf("seeding %s: %w", kind, err)
		}
		ids = append(ids, id)
	}
	r.logf("created %d %s to %s", r.cfg.SeedRecords, kind, use)
	return ids, nil
}

// connectAll opens listeners then writers in batches of cfg.Batch dialled
// concurrently, batch k starting at k*ramp/batches.
func (r *runner) connectAll(ctx context.Context) {
	total := r.cfg.Listeners + r.cfg.Writers
	r.clients = make([]*client, total)
	nb := (total + r.cfg.Batch - 1) / r.cfg.Batch
	t0 := time.Now()
	lastLog := t0
	for b := 0; b < nb && ctx.Err() == nil; b++ {
		if r.cfg.Ramp > 0 {
			at := t0.Add(r.cfg.Ramp * time.Duration(b) / time.Duration(nb))
			if d := time.Until(at); d > 0 {
				select {
				case <-time.After(d):
				case <-ctx.Done():
					return
				}
			}
		}
		lo, hi := b*r.cfg.Batch, min(total, (b+1)*r.cfg.Batch)
		var wg sync.WaitGroup
		for i := lo; i < hi; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r.connectOne(ctx, i)
			}()
		}
		wg.Wait()
		if time.Since(lastLog) > 2*time.Second && hi < total {
			lastLog = time.Now()
			r.logf("connecting: %d/%d", hi, total)
		}
	}
	for _, c := range r.clients {
		if c != nil && c.w != nil {
			r.writers = append(r.writers, c.w)
		}
	}
}

func (r *runner) connectOne(ctx context.Context, i int) {
	c := &client{idx: i, addr: r.cfg.Addr}
	if i < r.cfg.Listeners {
		c.name = "loadgen-l" + strconv.Itoa(i)
		c.addr = r.cfg.listenAddr(i)
	} else {
		widx := i - r.cfg.Listeners
		c.name = "loadgen-w" + strconv.Itoa(widx)
		inflight := r.cfg.Depth
		if r.cfg.Rate > 0 {
			inflight = r.cfg.MaxInflight
		}
		c.w = newWriter(r, widx, inflight)
		c.w.c = c
	}
	conn, wel, err := dial(ctx, r.dialers[c.addr], c.addr, c.name)
	if err != nil {
		if ctx.Err() == nil {
			r.addErr(errCode(err, "connect_failed"), 1)
			r.noteErr(c.name + ": " + err.Error())
		}
		return
	}
	c.conn = conn
	c.log = newSeqLog(wel.Data.Seq)
	c.maxSeen.Store(wel.Data.Seq)
	r.mu.Lock()
	if r.epoch != wel.Data.Epoch {
		if r.epochs > 0 {
			r.errs["epoch_mismatch"]++
		}
		r.epoch = wel.Data.Epoch
		r.epochs++
	}
	r.mu.Unlock()
	r.clients[i] = c
	r.readers.Add(1)
	go r.readLoop(c)
}

// waitReplies waits up to cfg.Drain for every request in flight to be
// answered; it returns how many were not.
func (r *runner) waitReplies(ctx context.Context) int {
	deadline := time.Now().Add(r.cfg.Drain)
	for {
		n := 0
		for _, w := range r.writers {
			if !w.c.dropped.Load() {
				n += w.inflight()
			}
		}
		if n == 0 || time.Now().After(deadline) || ctx.Err() != nil {
			// Requests on dropped connections never get a reply either.
			for _, w := range r.writers {
				if w.c.dropped.Load() {
					n += w.inflight()
				}
			}
			return n
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// drain waits up to cfg.Drain for every live connection to have seen
// final; it returns how many had not.
func (r *runner) drain(ctx context.Context, final int64) int {
	deadline := time.Now().Add(r.cfg.Drain)
	for {
		behind := 0
		for _, c := range r.clients {
			if c != nil && !c.dropped.Load() && c.maxSeen.Load() < final {
				behind++
			}
		}
		if behind == 0 || time.Now().After(deadline) || ctx.Err() != nil {
			return behind
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// closeAll closes every connection (politely, then the socket) and waits
// for the readers to finish, after which the logs may be read.
func (r *runner) closeAll() {
	r.closing.Store(true)
	work := make(chan *client)
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "loadgen done")
			for c := range work {
				_ = c.conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
				_ = c.conn.Close()
			}
		}()
	}
	for _, c := range r.clients {
		if c != nil {
			work <- c
		}
	}
	close(work)
	wg.Wait()
	r.readers.Wait()
}

// result joins the writers' and the clients' records into the report.
func (r *runner) result(final, writeStart, writeEnd int64, connectDur time.Duration) *Result {
	cfg := r.cfg
	res := &Result{
		Scenario:   cfg.Name,
		Addr:       cfg.Addr,
		Listeners:  cfg.Listeners,
		Writers:    cfg.Writers,
		Mix:        cfg.Mix.String(),
		Rate:       cfg.Rate,
		Depth:      cfg.Depth,
		ConnectS:   connectDur.Seconds(),
		DurationS:  float64(writeEnd-writeStart) / 1e6,
		FinalSeq:   final,
		Errors:     map[string]int64{},
		SentByType: map[string]int64{},
		RunID:      r.runID,
	}
	ackHist, lastAck, sends := r.writerResults(res)
	delHist, windowDeliveries, lastDelivery := r.clientResults(res, final, writeStart, sends)
	r.readResults(res, writeStart)
	r.mu.Lock()
	for code, n := range r.errs {
		res.Errors[code] += n
	}
	res.Notes = append(res.Notes, r.notes...)
	r.mu.Unlock()
	for _, n := range res.Errors {
		res.ErrorsTotal += n
	}

	if res.DurationS > 0 {
		res.SentPerS = float64(res.MutationsSent) / res.DurationS
	}
	if span := float64(lastAck-writeStart) / 1e6; span > 0 {
		res.AckedPerS = float64(res.MutationsAcked) / span
	}
	if span := float64(lastDelivery-writeStart) / 1e6; span > 0 {
		res.DeliveriesPerS = float64(windowDeliveries) / span
	}
	a, d := latencyOf(ackHist), latencyOf(delHist)
	res.AckP50Ms, res.AckP90Ms, res.AckP99Ms, res.AckMaxMs = a.P50, a.P90, a.P99, a.Max
	res.DeliveryP50Ms, res.DeliveryP90Ms, res.DeliveryP99Ms, res.DeliveryMaxMs = d.P50, d.P90, d.P99, d.Max
	res.DeliverySamples = int64(delHist.count())
	res.CheckOK = res.Gaps == 0 && res.Undelivered == 0 && res.Dups == 0 && res.OutOfOrder == 0 && res.Stale == 0 &&
		res.Disconnects == 0 && res.LostAfterDisconnect == 0 && res.AckSeqDups == 0
	return res
}

// sendTimes maps the seqs our writers produced to when they were sent, for
// delivery latency.
type sendTimes struct {
	minSeq, maxSeq int64   // -1 when no mutation was acked
	bySeq          []int64 // sendUs+1; 0 = not ours
}

// at returns when the mutation of seq was sent, if it was ours.
func (s sendTimes) at(seq int64) (int64, bool) {
	if s.minSeq < 0 || seq < s.minSeq || seq > s.maxSeq {
		return 0, false
	}
	t := s.bySeq[seq-s.minSeq]
	return t - 1, t != 0
}

// writerResults counts what the writers sent and had acked, and collects
// ack latency and the send time of every seq.
func (r *runner) writerResults(res *Result) (ackHist *histogram, lastAck int64, sends sendTimes) {
	ackHist = newHistogram()
	sends = sendTimes{minSeq: -1, maxSeq: -1}
	for _, w := range r.writers {
		res.MutationsSent += w.sent
		for k, n := range w.sentByOp {
			if n > 0 {
				res.SentByType[opKind(k).String()] += n
			}
		}
		res.MutationsAcked += w.acked
		res.MutationsFailed += w.failed
		ackHist.merge(w.ackHist)
		for code, n := range w.errs {
			res.Errors[code] += n
		}
		lastAck = max(lastAck, w.lastAckUs)
		for _, a := range w.acks {
			if sends.minSeq < 0 || a.seq < sends.minSeq {
				sends.minSeq = a.seq
			}
			sends.maxSeq = max(sends.maxSeq, a.seq)
		}
	}
	if sends.minSeq < 0 {
		return ackHist, lastAck, sends
	}
	sends.bySeq = make([]int64, sends.maxSeq-sends.minSeq+1)
	for _, w := range r.writers {
		for _, a := range w.acks {
			if sends.bySeq[a.seq-sends.minSeq] != 0 {
				res.AckSeqDups++
				continue
			}
			sends.bySeq[a.seq-sends.minSeq] = a.sendUs + 1
		}
	}
	return ackHist, lastAck, sends
}

// clientResults checks every connection's log for gaps and collects
// delivery latency of our own mutations.
func (r *runner) clientResults(res *Result, final, writeStart int64, sends sendTimes) (delHist *histogram, windowDeliveries, lastDelivery int64) {
	delHist = newHistogram()
	byAddr := map[string]*addrDelivery{}
	for _, c := range r.clients {
		if c == nil {
			res.ConnsFailed++
			continue
		}
		res.Conns++
		ad := byAddr[c.addr]
		if ad == nil {
			ad = &addrDelivery{hist: newHistogram()}
			byAddr[c.addr] = ad
		}
		ad.conns++
		alive := !c.dropped.Load()
		if !alive {
			res.Disconnects++
		}
		res.addGapCheck(checkLog(&c.log, final, alive))
		res.Deliveries += c.log.received
		res.PresenceFrames += c.presence
		for i, t := range c.log.times {
			if t == 0 {
				continue
			}
			recv := int64(t) - 1
			if recv >= writeStart {
				windowDeliveries++
				lastDelivery = max(lastDelivery, recv)
			}
			if sent, ok := sends.at(c.log.base + 1 + int64(i)); ok {
				delHist.record(recv - sent)
				ad.hist.record(recv - sent)
			}
		}
	}
	if len(r.cfg.ListenAddrs) > 0 {
		res.DeliveryByAddr = deliveryByAddr(byAddr)
	}
	return delHist, windowDeliveries, lastDelivery
}

// addGapCheck adds one connection's log check to the totals.
func (res *Result) addGapCheck(g gapReport) {
	res.Gaps += g.missing
	res.LostAfterDisconnect += g.lostTail
	res.Undelivered += g.undelivered
	if g.undelivered > 0 {
		res.BehindAtEnd++
	}
	res.Dups += g.dups
	res.OutOfOrder += g.outOfOrder
	res.Stale += g.stale
	if !g.ok() {
		res.ClientsWithGaps++
	}
}

// addrDelivery gathers the connections to one address and the delivery
// latency they saw.
type addrDelivery struct {
	conns int
	hist  *histogram
}

// deliveryByAddr reports each address's delivery latency, in address order.
func deliveryByAddr(byAddr map[string]*addrDelivery) []AddrDelivery {
	out := make([]AddrDelivery, 0, len(byAddr))
	for addr, ad := range byAddr {
		l := latencyOf(ad.hist)
		out = append(out, AddrDelivery{Addr: addr, Conns: ad.conns, Samples: int64(ad.hist.count()),
			P50Ms: l.P50, P90Ms: l.P90, P99Ms: l.P99, MaxMs: l.Max})
	}
	slices.SortFunc(out, func(a, b AddrDelivery) int { return strings.Compare(a.Addr, b.Addr) })
	return out
}

func latencyOf(h *histogram) latency {
	ms := func(us int64) float64 { return float64(us) / 1000 }
	return latency{
		P50: ms(h.percentile(50)),
		P90: ms(h.percentile(90)),
		P99: ms(h.percentile(99)),
		Max: ms(h.maxValue()),
	}
}

func ptr[T any](v T) *T { return &v }

// latency is a set of percentiles in milliseconds.
type latency struct{ P50, P90, P99, Max float64 }
