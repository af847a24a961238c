package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// apiClient talks REST to the one server address it is given: its
// transport dials cfg.Addr whatever the URL says and ignores proxy settings.
type apiClient struct {
	base string
	hc   *http.Client
}

func newAPIClient(addr string) *apiClient {
	d := &net.Dialer{Timeout: 5 * time.Second}
	tr := &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return d.DialContext(ctx, network, addr)
		},
		MaxIdleConns:           4,
		IdleConnTimeout:        30 * time.Second,
		DisableCompression:     true,
		MaxResponseHeaderBytes: 64 << 10,
	}
	return &apiClient{base: "http://" + addr, hc: &http.Client{Transport: tr, Timeout: 15 * time.Second}}
}

func (a *apiClient) close() { a.hc.CloseIdleConnections() }

func (a *apiClient) do(ctx context.Context, method, path string, body any) ([]byte, int, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, 0, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, rd)
	if err != nil {
		return nil, 0, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := a.hc.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	return b, resp.StatusCode, err
}

func (a *apiClient) get(ctx context.Context, path string) ([]byte, error) {
	b, code, err := a.do(ctx, http.MethodGet, path, nil)
	if err != nil {
		return nil, err
	}
	if code != http.StatusOK {
		return nil, fmt.Errorf("GET %s: HTTP %d: %.200s", path, code, b)
	}
	return b, nil
}

type recordRef struct {
	ID int64 `json:"id"`
}

type stateSnapshot struct {
	Seq    int64       `json:"seq"`
	Epoch  string      `json:"epoch"`
	Items  []recordRef `json:"items"`
	Scores []recordRef `json:"scores"`
}

func (a *apiClient) state(ctx context.Context) (*stateSnapshot, error) {
	b, err := a.get(ctx, "/api/state")
	if err != nil {
		return nil, err
	}
	var s stateSnapshot
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("GET /api/state: %v", err)
	}
	return &s, nil
}

// create POSTs a record and returns its id.
func (a *apiClient) create(ctx context.Context, path string, body any) (int64, error) {
	b, code, err := a.do(ctx, http.MethodPost, path, body)
	if err != nil {
		return 0, err
	}
	if code != http.StatusCreated && code != http.StatusOK {
		return 0, fmt.Errorf("POST %s: HTTP %d: %.200s", path, code, b)
	}
	var r recordRef
	if err := json.Unmarshal(b, &r); err != nil || r.ID == 0 {
		return 0, fmt.Errorf("POST %s: no id in %.200s", path, b)
	}
	return r.ID, nil
}
