package sim

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	gt "groundtruth"
)

// client calls the HTTP API.
type client struct {
	base string
	http *http.Client
}

func newClient(base string) *client {
	return &client{base: strings.TrimRight(base, "/"), http: &http.Client{Timeout: time.Minute}}
}

// call sends in as JSON and decodes the answer into out. A problem answer becomes a
// *groundtruth.Error with the problem's first error location as its field.
func (c *client) call(ctx context.Context, method, path, key string, in, out any) error {
	var rd io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		var pr struct {
			Detail string `json:"detail"`
			Errors []struct {
				Message  string `json:"message"`
				Location string `json:"location"`
			} `json:"errors"`
		}
		_ = json.Unmarshal(b, &pr)
		e := &gt.Error{Code: gt.EINVALID, Message: fmt.Sprintf("%s %s: %d %s", method, path, resp.StatusCode, strings.TrimSpace(string(b)))}
		if len(pr.Errors) > 0 {
			e.Message, e.Field = pr.Errors[0].Message, pr.Errors[0].Location
		} else if pr.Detail != "" {
			e.Message = pr.Detail
		}
		return e
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("%s %s: decode: %w", method, path, err)
		}
	}
	return nil
}

// alerts reads every alert of a tenant.
func (c *client) alerts(ctx context.Context, key string) ([]gt.Alert, error) {
	var all []gt.Alert
	cursor := ""
	for {
		var page struct {
			Items      []gt.Alert `json:"items"`
			NextCursor string     `json:"next_cursor"`
		}
		path := "/api/v1/alerts?limit=500"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		if err := c.call(ctx, "GET", path, key, nil, &page); err != nil {
			return nil, err
		}
		all = append(all, page.Items...)
		if page.NextCursor == "" {
			return all, nil
		}
		cursor = page.NextCursor
	}
}

// readSeries reads a price series from a CSV file whose first column is the date (as
// "2008M01", "2008-01-01" or any text ordered like a date) and which has a header row.
func readSeries(sc *Scenario, ref *SeriesRef) ([]float64, error) {
	path := ref.File
	if !filepath.IsAbs(path) && sc.File != "" {
		path = filepath.Join(filepath.Dir(sc.File), path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(rows) < 2 {
		return nil, fmt.Errorf("%s: no rows", path)
	}
	col := -1
	for i, h := range rows[0] {
		if strings.TrimSpace(h) == ref.Column {
			col = i
		}
	}
	if col < 0 {
		return nil, fmt.Errorf("%s has no column %q", path, ref.Column)
	}
	var out []float64
	for i, r := range rows[1:] {
		date := strings.TrimSpace(r[0])
		if (ref.From != "" && date < ref.From) || (ref.To != "" && date > ref.To && !strings.HasPrefix(date, ref.To)) {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(r[col]), 64)
		if err != nil || !(v > 0) {
			return nil, fmt.Errorf("%s line %d: %q is not a price", path, i+2, r[col])
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no rows from %q to %q", path, ref.From, ref.To)
	}
	return out, nil
}
