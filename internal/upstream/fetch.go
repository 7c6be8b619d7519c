package upstream

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// UnreachableError is an index or file that could not be fetched: no connection, no
// answer within the timeout, or server errors after every retry.
type UnreachableError struct {
	What string // what was fetched, e.g. "haproxy's releases.json for branch 3.0"
	URL  string
	Err  error
}

// Error implements error.
func (e *UnreachableError) Error() string {
	return fmt.Sprintf("fetching %s from %s: %v (is the index reachable? a mirror can stand in: --index-url NAME=URL)", e.What, e.URL, e.Err)
}

// Unwrap returns the last failure.
func (e *UnreachableError) Unwrap() error { return e.Err }

// NotFoundError is an index or file the server says does not exist (HTTP 404 or 410).
type NotFoundError struct {
	What, URL string
}

// Error implements error.
func (e *NotFoundError) Error() string {
	return fmt.Sprintf("fetching %s: %s answered 404 Not Found", e.What, e.URL)
}

// MalformedError is an index kiln cannot read: not the format it should have.
type MalformedError struct {
	What, URL string
	Err       error
}

// Error implements error.
func (e *MalformedError) Error() string {
	return fmt.Sprintf("reading %s from %s: malformed: %v (is --index-url pointing at the right place?)", e.What, e.URL, e.Err)
}

// Unwrap returns the parse error.
func (e *MalformedError) Unwrap() error { return e.Err }

// maxIndex bounds an index document: the largest real one (OpenSSL's releases, 100 per
// page) is about 1 MB.
const maxIndex = 16 << 20

// fetcher is the one HTTP path: indexes with a short timeout, downloads with a long one.
type fetcher struct {
	index, download          *retryablehttp.Client
	timeout, downloadTimeout time.Duration
	userAgent                string
	githubToken              string
	log                      *slog.Logger
}

func newFetcher(cfg *config) *fetcher {
	mk := func(perAttempt time.Duration) *retryablehttp.Client {
		return &retryablehttp.Client{
			HTTPClient:   &http.Client{Transport: cfg.transport, Timeout: perAttempt},
			Logger:       retryLogger{cfg.logger},
			RetryWaitMin: cfg.waitMin,
			RetryWaitMax: cfg.waitMax,
			RetryMax:     cfg.retryMax,
			CheckRetry:   retryablehttp.DefaultRetryPolicy,
			Backoff:      retryablehttp.DefaultBackoff,
			// The last attempt's answer, so an error can say what the server said.
			ErrorHandler: retryablehttp.PassthroughErrorHandler,
		}
	}
	return &fetcher{
		index:           mk(cfg.timeout),
		download:        mk(cfg.downloadTimeout),
		timeout:         cfg.timeout,
		downloadTimeout: cfg.downloadTimeout,
		userAgent:       cfg.userAgent,
		githubToken:     cfg.githubToken,
		log:             cfg.logger,
	}
}

// get fetches an index document: the whole request, retries included, gets f.timeout.
func (f *fetcher) get(ctx context.Context, what, rawURL string, accept string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	resp, err := f.do(ctx, f.index, what, rawURL, accept, f.timeout)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxIndex+1))
	if err != nil {
		return nil, f.failure(ctx, what, rawURL, err, f.timeout)
	}
	if len(body) > maxIndex {
		return nil, &MalformedError{What: what, URL: rawURL, Err: fmt.Errorf("larger than %d bytes", maxIndex)}
	}
	return body, nil
}

// copy downloads rawURL into w and returns the byte count.
func (f *fetcher) copy(ctx context.Context, what, rawURL string, w io.Writer) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, f.downloadTimeout)
	defer cancel()
	resp, err := f.do(ctx, f.download, what, rawURL, "", f.downloadTimeout)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(w, resp.Body)
	if err != nil {
		return n, f.failure(ctx, what, rawURL, err, f.downloadTimeout)
	}
	return n, nil
}

func (f *fetcher) do(ctx context.Context, c *retryablehttp.Client, what, rawURL, accept string, limit time.Duration) (*http.Response, error) {
	req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, fmt.Errorf("fetching %s: %w", what, err)
	}
	if f.userAgent != "" {
		req.Header.Set("User-Agent", f.userAgent)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	if u, err := url.Parse(rawURL); err == nil && u.Scheme == "https" && u.Host == "api.github.com" {
		req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
		if f.githubToken != "" {
			// Only ever sent to GitHub's own API, never to a replacement index.
			req.Header.Set("Authorization", "Bearer "+f.githubToken)
		}
	}
	f.log.Debug("GET", "what", what, "url", rawURL)
	resp, err := c.Do(req)
	if err != nil {
		return nil, f.failure(ctx, what, rawURL, err, limit)
	}
	switch {
	case resp.StatusCode == http.StatusOK:
		return resp, nil
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		resp.Body.Close()
		return nil, &NotFoundError{What: what, URL: rawURL}
	default:
		resp.Body.Close()
		err := fmt.Errorf("HTTP %s", resp.Status)
		if retries := c.RetryMax; retries > 0 && resp.StatusCode >= 500 {
			err = fmt.Errorf("HTTP %s after %d retries", resp.Status, retries)
		}
		return nil, &UnreachableError{What: what, URL: rawURL, Err: err}
	}
}

// failure turns a transport error into an UnreachableError that says what happened.
func (f *fetcher) failure(ctx context.Context, what, rawURL string, err error, limit time.Duration) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || isTimeout(err) {
		err = fmt.Errorf("no complete answer within %s (a slow index: raise --timeout)", limit)
	} else if ctx.Err() != nil {
		return ctx.Err()
	}
	return &UnreachableError{What: what, URL: rawURL, Err: err}
}

func isTimeout(err error) bool {
	var te interface{ Timeout() bool }
	return errors.As(err, &te) && te.Timeout()
}

// retryLogger turns retryablehttp's messages into debug logs; callers report failures.
type retryLogger struct{ l *slog.Logger }

// Error logs a failed attempt at debug level.
func (r retryLogger) Error(msg string, kv ...any) { r.l.Debug(msg, kv...) }

// Warn logs at debug level.
func (r retryLogger) Warn(msg string, kv ...any) { r.l.Debug(msg, kv...) }

// Info logs at debug level.
func (r retryLogger) Info(msg string, kv ...any) { r.l.Debug(msg, kv...) }

// Debug logs at debug level.
func (r retryLogger) Debug(msg string, kv ...any) { r.l.Debug(msg, kv...) }
