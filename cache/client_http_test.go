package cache

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// countingTransport counts requests that pass through it, to test WithTransport.
type countingTransport struct{ n atomic.Int64 }

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return http.DefaultTransport.RoundTrip(r)
}

func TestHaveConcurrencyAndOrder(t *testing.T) {
	var inFlight, peak atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		time.Sleep(10 * time.Millisecond)
		// Odd hash parts answer 403, as S3 does for missing keys; the rest 404.
		if strings.HasPrefix(r.URL.Path, "/1") {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()
	rt := &countingTransport{}
	c, err := New(srv.URL, WithConcurrency(3), WithTransport(rt))
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for i := 0; i < 30; i++ {
		paths = append(paths, fmt.Sprintf("/nix/store/%d%031d-p%d", i%2, i, i))
	}
	l, err := c.Have(context.Background(), paths, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(l.Missing, paths) {
		t.Errorf("Missing = %v, want the paths in the order asked", l.Missing)
	}
	if p := peak.Load(); p > 3 || p < 2 {
		t.Errorf("peak concurrency %d, want 2..3", p)
	}
	if rt.n.Load() != 30 {
		t.Errorf("%d requests went through the custom transport, want 30", rt.n.Load())
	}
}

func TestServerErrors(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		// An hour's Retry-After must not stall us: the backoff is capped.
		w.Header().Set("Retry-After", "3600")
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := New(srv.URL, WithRetryMax(2), WithBackoff(time.Millisecond, 20*time.Millisecond), WithLogger(logger))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = c.NarInfo(context.Background(), "/nix/store/036wc2d6ybn57qprciif30cnp2k28mc4-d")
	var ue *UnreachableError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "fetching narinfo for /nix/store/036wc2d6ybn57qprciif30cnp2k28mc4-d") {
		t.Errorf("NarInfo from a failing server = %v, want *UnreachableError", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v: Retry-After was not capped", d)
	}
	if hits.Load() != 3 {
		t.Errorf("%d attempts, want 3 (1 + 2 retries)", hits.Load())
	}
	if !strings.Contains(logs.String(), "retrying request") || strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("logs:\n%s", logs.String())
	}
}

func TestContextCancel(t *testing.T) {
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(block)
	c, err := New(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err = c.Have(ctx, []string{"/nix/store/036wc2d6ybn57qprciif30cnp2k28mc4-d"}, nil)
	var ue *UnreachableError
	if !errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ue) {
		t.Errorf("Have with an expiring context = %v, want context.DeadlineExceeded", err)
	}
}

func TestResolve(t *testing.T) {
	h, _ := New("https://cache.example/sub/")
	f, _ := New("file:///srv/cache")
	for _, tc := range []struct {
		c       *Client
		ref     string
		want    string
		wantErr bool
	}{
		{h, "nar/x.nar.zst", "https://cache.example/sub/nar/x.nar.zst", false},
		{h, "https://mirror.example/nar/x.nar", "https://mirror.example/nar/x.nar", false},
		{h, "file:///etc/passwd", "", true},
		{h, "../x.nar", "", true},
		{h, "/nar/x.nar", "", true},
		{h, "//evil.example/x.nar", "", true},
		{f, "nar/x.nar", "file:///srv/cache/nar/x.nar", false},
		{f, "http://example/x.nar", "", true},
		{f, "nar/../../etc/passwd", "", true},
	} {
		u, err := tc.c.resolve(tc.ref)
		if tc.wantErr {
			if err == nil {
				t.Errorf("resolve(%q) = %s, want error", tc.ref, u)
			}
			continue
		}
		if err != nil || u.String() != tc.want {
			t.Errorf("resolve(%q) = %v, %v; want %s", tc.ref, u, err, tc.want)
		}
	}
}
