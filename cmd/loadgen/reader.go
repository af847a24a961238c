package main

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// readPath is what the readers fetch: the full snapshot a dashboard loads.
const readPath = "/api/state"

// readTimeout bounds one GET, so a stuck server cannot hold a reader (and
// the run) past its end by more than this.
const readTimeout = 10 * time.Second

// reader is one HTTP client that GETs /api/state in a loop (closed loop: the
// next request goes out when the previous answer has been read) while the
// writers send. Each keeps its own keep-alive connection and its own
// histogram, merged after the run.
type reader struct {
	r    *runner
	hc   *http.Client
	url  string
	hist *histogram
	errs map[string]int64

	reads      int64 // answered 200 and read whole
	bytes      int64 // body bytes of those
	lastDoneUs int64 // when the last successful read ended
}

// newReadClient makes the readers' HTTP client: like apiClient's, it dials
// only cfg.Addr whatever the URL says and ignores proxies; it keeps one idle
// connection per reader so each reader reuses its own.
func newReadClient(addr string, readers int) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second}
	tr := &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return d.DialContext(ctx, network, addr)
		},
		MaxIdleConns:           readers,
		MaxIdleConnsPerHost:    readers,
		MaxConnsPerHost:        readers,
		IdleConnTimeout:        30 * time.Second,
		DisableCompression:     true,
		MaxResponseHeaderBytes: 64 << 10,
	}
	return &http.Client{Transport: tr, Timeout: readTimeout}
}

// run reads until stop is closed, ctx ends or the budget runs out. A request
// in flight when stop closes is finished and counted.
func (rd *reader) run(ctx context.Context, stop <-chan struct{}, budget *atomic.Int64) {
	for {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		default:
		}
		if budget.Add(-1) < 0 {
			return
		}
		if !rd.once(ctx) {
			// Do not spin on a server that refuses or fails fast.
			select {
			case <-time.After(10 * time.Millisecond):
			case <-stop:
				return
			case <-ctx.Done():
				return
			}
		}
	}
}

// once performs one GET and records it; it reports whether it succeeded.
func (rd *reader) once(ctx context.Context) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rd.url, nil)
	if err != nil {
		rd.errs["read_failed"]++
		return false
	}
	start := rd.r.nowUs()
	resp, err := rd.hc.Do(req)
	if err != nil {
		if ctx.Err() == nil {
			rd.errs[readErrCode(err)]++
			rd.r.noteErr("GET " + readPath + ": " + err.Error())
		}
		return false
	}
	n, err := io.Copy(io.Discard, io.LimitReader(resp.Body, 256<<20))
	resp.Body.Close()
	end := rd.r.nowUs()
	switch {
	case err != nil:
		if ctx.Err() == nil {
			rd.errs[readErrCode(err)]++
			rd.r.noteErr("GET " + readPath + " body: " + err.Error())
		}
		return false
	case resp.StatusCode != http.StatusOK:
		rd.errs["read_http_"+strconv.Itoa(resp.StatusCode)]++
		return false
	case n == 0:
		rd.errs["read_empty"]++
		return false
	}
	rd.reads++
	rd.bytes += n
	rd.lastDoneUs = end
	rd.hist.record(end - start)
	return true
}

func readErrCode(err error) string {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "read_timeout"
	}
	return "read_failed"
}

// startReaders launches cfg.Readers readers on wg; their results are read
// with readResults after wg is done.
func (r *runner) startReaders(ctx context.Context, stop <-chan struct{}, budget *atomic.Int64, wg *sync.WaitGroup) {
	if r.cfg.Readers == 0 {
		return
	}
	hc := newReadClient(r.cfg.Addr, r.cfg.Readers)
	r.readClient = hc
	for range r.cfg.Readers {
		rd := &reader{r: r, hc: hc, url: "http://" + r.cfg.Addr + readPath, hist: newHistogram(), errs: map[string]int64{}}
		r.rdrs = append(r.rdrs, rd)
		wg.Add(1)
		go func() {
			defer wg.Done()
			rd.run(ctx, stop, budget)
		}()
	}
}

// readResults fills the reads part of res once the readers have stopped.
func (r *runner) readResults(res *Result, readStart int64) {
	if r.readClient != nil {
		r.readClient.CloseIdleConnections()
	}
	res.Readers = r.cfg.Readers
	if len(r.rdrs) == 0 {
		return
	}
	h := newHistogram()
	var last int64
	for _, rd := range r.rdrs {
		h.merge(rd.hist)
		res.Reads += rd.reads
		res.ReadBytes += rd.bytes
		last = max(last, rd.lastDoneUs)
		for code, n := range rd.errs {
			res.Errors[code] += n
			res.ReadErrors += n
		}
	}
	if span := float64(last-readStart) / 1e6; span > 0 && res.Reads > 0 {
		res.ReadsPerS = float64(res.Reads) / span
	}
	l := latencyOf(h)
	res.ReadP50Ms, res.ReadP90Ms, res.ReadP99Ms, res.ReadMaxMs = l.P50, l.P90, l.P99, l.Max
}
