package client

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"livedash/models"
)

// Reset restores the demo data set over REST (POST /api/reset) and returns
// the seq of its state.reset event. token is the server's admin token, or
// "" when it has none. REST requests are not deduplicated: a retried reset
// resets again.
func (c *Client) Reset(ctx context.Context, token string) (int64, error) {
	var out struct {
		Seq int64 `json:"seq"`
	}
	return out.Seq, c.rest(ctx, http.MethodPost, "/api/reset", token, &out)
}

// rest does one REST call and decodes its JSON answer, or its error body
// into a *models.Error.
func (c *Client) rest(ctx context.Context, method, path, token string, out any) error {
	u := *c.restBase
	u.Path += path
	req, err := http.NewRequestWithContext(ctx, method, u.String(), nil)
	if err != nil {
		return err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if c.opts.Name != "" {
		req.Header.Set("X-Livedash-Name", c.opts.Name)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("livedash: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("livedash: %s %s: %w", method, path, err)
	}
	if resp.StatusCode >= 300 {
		var body struct {
			Error *models.Error `json:"error"`
		}
		if json.Unmarshal(raw, &body) == nil && body.Error != nil {
			return body.Error
		}
		return fmt.Errorf("livedash: %s %s: HTTP %d", method, path, resp.StatusCode)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("livedash: %s %s: decode: %w", method, path, err)
	}
	return nil
}
