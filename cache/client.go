package cache

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"golang.org/x/sync/errgroup"

	"github.com/kilnbuild/kiln/internal/storepath"
)

var (
	// ErrNotFound means the cache has no such file (HTTP 404, or 403 which S3 buckets
	// answer for missing keys, or a missing file in a file:// cache).
	ErrNotFound = errors.New("not found in binary cache")
	// ErrHashMismatch means downloaded bytes don't match the narinfo's FileHash/FileSize
	// or NarHash/NarSize; the error names both hashes.
	ErrHashMismatch = errors.New("hash mismatch")
)

// UnreachableError means the cache could not be reached (connection refused, timeouts,
// server errors) even after retries. Callers warn and build as if nothing were cached.
type UnreachableError struct {
	URL string // the cache, with any password redacted
	Err error  // the last failure
}

// Error implements error.
func (e *UnreachableError) Error() string {
	return fmt.Sprintf("binary cache %s is unreachable: %v", e.URL, e.Err)
}

// Unwrap returns the last failure.
func (e *UnreachableError) Unwrap() error { return e.Err }

// CacheInfo is the content of a cache's nix-cache-info file.
type CacheInfo struct {
	StoreDir      string // must be /nix/store for the cache to be of use
	WantMassQuery bool   // the cache is happy to answer many narinfo queries
	Priority      int    // lower is preferred; 0 when the cache doesn't say
}

// Lookup is the answer of Have; each list keeps the order in which paths were asked.
type Lookup struct {
	Found    []*NarInfo  // present and validly signed by a trusted key
	Missing  []string    // the cache has no narinfo for them
	Rejected []Rejection // present, but unusable
}

// Rejection is a path the cache has but that must not be used, and why.
type Rejection struct {
	StorePath string
	NarInfo   *NarInfo // nil when the narinfo couldn't be read or parsed
	Err       error    // e.g. wraps ErrBadSignature, ErrUntrustedKey, ErrUnsigned, a *ParseError
}

// Client talks to one binary cache. It is safe for concurrent use.
type Client struct {
	base        *url.URL
	http        *retryablehttp.Client
	log         *slog.Logger
	concurrency int
}

// config collects what Options set.
type config struct {
	timeout          time.Duration
	retryMax         int
	waitMin, waitMax time.Duration
	logger           *slog.Logger
	transport        http.RoundTripper
	concurrency      int
}

// Option configures a Client.
type Option func(*config)

// WithTimeout bounds each HTTP attempt, body included (default 30s): raise it for large NARs.
func WithTimeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

// WithRetryMax sets how many times a failed request is retried (default 3; 0 = no retry).
func WithRetryMax(n int) Option { return func(c *config) { c.retryMax = n } }

// WithBackoff sets the exponential backoff between retries (default 250ms doubling to 5s).
func WithBackoff(minWait, maxWait time.Duration) Option {
	return func(c *config) { c.waitMin, c.waitMax = minWait, maxWait }
}

// WithLogger sends debug logs (requests, retries, lookups) to l; by default nothing is logged.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithTransport sets the RoundTripper for http:// and https:// caches (e.g. for proxies
// or tests); file:// caches always read the file system.
func WithTransport(rt http.RoundTripper) Option { return func(c *config) { c.transport = rt } }

// WithConcurrency bounds how many narinfo requests Have makes at once (default 8).
func WithConcurrency(n int) Option { return func(c *config) { c.concurrency = n } }

// New returns a client for the cache at rawURL: http://, https:// or file:///abs/dir.
// Query parameters (Nix store settings such as ?priority=) are ignored. Nothing is
// fetched until a method is called.
func New(rawURL string, opts ...Option) (*Client, error) {
	cfg := config{
		timeout:     30 * time.Second,
		retryMax:    3,
		waitMin:     250 * time.Millisecond,
		waitMax:     5 * time.Second,
		concurrency: 8,
	}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.logger == nil {
		cfg.logger = slog.New(slog.DiscardHandler)
	}
	if cfg.concurrency < 1 {
		cfg.concurrency = 1
	}
	if cfg.retryMax < 0 {
		cfg.retryMax = 0
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("invalid binary cache URL: %w", err)
	}
	u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = "", false, "", ""
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	transport := cfg.transport
	switch u.Scheme {
	case "http", "https":
		if u.Host == "" {
			return nil, fmt.Errorf("invalid binary cache URL %q: no host", u.Redacted())
		}
		if transport == nil {
			t := http.DefaultTransport.(*http.Transport).Clone()
			// Have runs cfg.concurrency requests at once to one host: keep that many
			// connections alive instead of the default 2.
			t.MaxIdleConnsPerHost = cfg.concurrency
			transport = t
		}
	case "file":
		if u.Host != "" && u.Host != "localhost" || !strings.HasPrefix(u.Path, "/") {
			return nil, fmt.Errorf("invalid binary cache URL %q: want file:///absolute/dir", rawURL)
		}
		// Request paths are joined clean, so the root they are checked against must be
		// clean too (file://$PWD/../cache, file:///srv//cache).
		u.Path = path.Clean(u.Path)
		transport = fileTransport{root: u.Path}
	default:
		return nil, fmt.Errorf("invalid binary cache URL %q: scheme must be http, https or file", u.Redacted())
	}
	log := cfg.logger.With("cache", u.Redacted())
	rc := &retryablehttp.Client{
		HTTPClient:   &http.Client{Transport: transport, Timeout: cfg.timeout},
		Logger:       retryLogger{log},
		RetryWaitMin: cfg.waitMin,
		RetryWaitMax: cfg.waitMax,
		RetryMax:     cfg.retryMax,
		CheckRetry:   retryablehttp.DefaultRetryPolicy,
		Backoff:      cappedBackoff,
	}
	return &Client{base: u, http: rc, log: log, concurrency: cfg.concurrency}, nil
}

// cappedBackoff is retryablehttp's exponential backoff, except that a server's
// Retry-After is capped at the maximum too: a cache asking for an hour's pause must
// not stall a build that could just go ahead without it.
func cappedBackoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	return min(retryablehttp.DefaultBackoff(minWait, maxWait, attempt, resp), maxWait)
}

// retryLogger turns retryablehttp's messages into debug logs: a failed attempt is not an
// error for kiln, which goes on without the cache; callers decide what to report.
type retryLogger struct{ l *slog.Logger }

// Error logs a failed attempt at debug level.
func (r retryLogger) Error(msg string, kv ...any) { r.l.Debug(msg, kv...) }

// Warn logs at debug level.
func (r retryLogger) Warn(msg string, kv ...any) { r.l.Debug(msg, kv...) }

// Info logs at debug level.
func (r retryLogger) Info(msg string, kv ...any) { r.l.Debug(msg, kv...) }

// Debug logs at debug level.
func (r retryLogger) Debug(msg string, kv ...any) { r.l.Debug(msg, kv...) }

// URL returns the cache's URL, with any password redacted.
func (c *Client) URL() string { return c.base.Redacted() }

// errTooLarge means a body exceeded the size get was told to expect.
var errTooLarge = errors.New("body larger than expected")

// errBrokenBody marks a response body that broke off mid-way.
var errBrokenBody = errors.New("connection broke mid-body")

// open fetches u and returns its body. Errors wrap ErrNotFound, or are *UnreachableError,
// or the context's error, or an unexpected HTTP status. A body that breaks off reads as
// an error wrapping errBrokenBody.
func (c *Client) open(ctx context.Context, u *url.URL) (io.ReadCloser, error) {
	req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &UnreachableError{URL: c.URL(), Err: err}
	}
	switch {
	case resp.StatusCode == http.StatusOK:
		return brokenBody{resp.Body}, nil
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusForbidden ||
		resp.StatusCode == http.StatusGone:
		resp.Body.Close()
		// Nix treats 403 as 404 because S3 buckets that can't be listed answer 403
		// for keys that don't exist.
		return nil, fmt.Errorf("%w: %s", ErrNotFound, u.Redacted())
	case resp.StatusCode >= 500:
		resp.Body.Close()
		// Only 501 gets here (retryablehttp retries the rest, then errors out above):
		// a server that can't serve GET is as useless as an unreachable one.
		return nil, &UnreachableError{URL: c.URL(), Err: fmt.Errorf("GET %s: HTTP %s", u.Redacted(), resp.Status)}
	default:
		resp.Body.Close()
		return nil, fmt.Errorf("GET %s: unexpected HTTP status %s", u.Redacted(), resp.Status)
	}
}

// brokenBody marks read errors of a response body as errBrokenBody.
type brokenBody struct{ io.ReadCloser }

func (b brokenBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("%w: %w", errBrokenBody, err)
	}
	return n, err
}

// get fetches u and returns at most limit bytes of body.
func (c *Client) get(ctx context.Context, u *url.URL, limit int64) ([]byte, error) {
	body, err := c.open(ctx, u)
	if err != nil {
		return nil, err
	}
	defer body.Close()
	data, err := io.ReadAll(io.LimitReader(body, limit+1))
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		// The connection broke mid-body: as unreachable as a refused one.
		return nil, &UnreachableError{URL: c.URL(), Err: fmt.Errorf("reading %s: %w", u.Redacted(), err)}
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("GET %s: %w (%d bytes)", u.Redacted(), errTooLarge, limit)
	}
	return data, nil
}

// CacheInfo fetches and parses the cache's nix-cache-info.
func (c *Client) CacheInfo(ctx context.Context) (*CacheInfo, error) {
	body, err := c.get(ctx, c.base.JoinPath("nix-cache-info"), 64<<10)
	if err != nil {
		return nil, fmt.Errorf("fetching nix-cache-info from %s: %w", c.URL(), err)
	}
	info := &CacheInfo{}
	// Parsed like Nix does: "Key: value" lines, unknown keys and lines without a colon
	// ignored, values trimmed.
	for i, line := range strings.Split(string(body), "\n") {
		key, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		value = strings.TrimSpace(value)
		switch key {
		case "StoreDir":
			info.StoreDir = value
		case "WantMassQuery":
			info.WantMassQuery = value == "1"
		case "Priority":
			p, err := strconv.Atoi(value)
			if err != nil {
				return nil, fmt.Errorf("fetching nix-cache-info from %s: line %d: Priority %q is not an integer", c.URL(), i+1, value)
			}
			info.Priority = p
		}
	}
	return info, nil
}

// NarInfo fetches, parses and checks the narinfo of storePath (/nix/store/<hash>-<name>).
// A missing narinfo is ErrNotFound. The signature is not verified: see Verify and Have.
func (c *Client) NarInfo(ctx context.Context, storePath string) (*NarInfo, error) {
	hp, err := storepath.HashPart(storePath)
	if err != nil {
		return nil, fmt.Errorf("fetching narinfo for %s: %w", storePath, err)
	}
	body, err := c.get(ctx, c.base.JoinPath(hp+".narinfo"), maxNarInfoSize)
	if err != nil {
		return nil, fmt.Errorf("fetching narinfo for %s: %w", storePath, err)
	}
	ni, err := Parse(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("fetching narinfo for %s: %w", storePath, err)
	}
	if err := ni.Check(); err != nil {
		return ni, fmt.Errorf("fetching narinfo for %s: %w", storePath, err)
	}
	if ni.StorePath != storePath {
		// Narinfos are looked up by hash part only; one naming another path would make
		// us substitute the wrong thing.
		return ni, fmt.Errorf("fetching narinfo for %s: the cache's narinfo is for %s", storePath, ni.StorePath)
	}
	return ni, nil
}

// Have asks the cache for each store path (duplicates once), at most the configured number
// at once, and sorts them into found (present and signed by a trusted key), missing and
// rejected. If the cache can't be reached, it stops and returns an *UnreachableError;
// a path that isn't /nix/store/<hash>-<name> is an error before anything is fetched.
func (c *Client) Have(ctx context.Context, storePaths []string, trusted []PublicKey) (Lookup, error) {
	var paths []string
	seen := map[string]bool{}
	for _, p := range storePaths {
		if _, err := storepath.Parse(p); err != nil {
			return Lookup{}, fmt.Errorf("looking up paths in %s: %w", c.URL(), err)
		}
		if !seen[p] {
			seen[p] = true
			paths = append(paths, p)
		}
	}

	type result struct {
		ni  *NarInfo
		err error
	}
	results := make([]result, len(paths))
	// One unreachable answer is enough: it cancels the other requests, which would only
	// wait out their own retries.
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(c.concurrency)
	for i, p := range paths {
		g.Go(func() error {
			ni, err := c.NarInfo(gctx, p)
			results[i] = result{ni, err}
			var ue *UnreachableError
			if errors.As(err, &ue) {
				return err
			}
			return nil
		})
	}
	fatal := g.Wait()
	if err := ctx.Err(); err != nil {
		return Lookup{}, fmt.Errorf("looking up paths in %s: %w", c.URL(), err)
	}
	if fatal != nil {
		return Lookup{}, fatal
	}

	var l Lookup
	for i, p := range paths {
		r := results[i]
		switch {
		case errors.Is(r.err, ErrNotFound):
			l.Missing = append(l.Missing, p)
		case r.err != nil:
			l.Rejected = append(l.Rejected, Rejection{StorePath: p, NarInfo: r.ni, Err: r.err})
		default:
			if err := r.ni.Verify(trusted); err != nil {
				l.Rejected = append(l.Rejected, Rejection{StorePath: p, NarInfo: r.ni, Err: err})
			} else {
				l.Found = append(l.Found, r.ni)
			}
		}
	}
	c.log.Debug("looked up paths", "asked", len(paths), "found", len(l.Found),
		"missing", len(l.Missing), "rejected", len(l.Rejected))
	for _, r := range l.Rejected {
		c.log.Debug("rejected cached path", "path", r.StorePath, "reason", r.Err)
	}
	return l, nil
}

// FetchNAR downloads ni's NAR and streams it, decompressed, to w while checking
// FileSize/FileHash of the download and NarSize/NarHash of the NAR; nothing is buffered
// whole. w sees the bytes before the end of the stream is checked: only a nil error means
// they are ni's NAR (to verify without keeping anything, pass io.Discard). Mismatches
// wrap ErrHashMismatch, a download that breaks off or times out is an *UnreachableError,
// and w's own error is returned wrapped. ni should come from Have's Found list, so that
// it is signed.
func (c *Client) FetchNAR(ctx context.Context, ni *NarInfo, w io.Writer) error {
	if err := c.fetchNAR(ctx, ni, w); err != nil {
		return fmt.Errorf("fetching NAR for %s: %w", ni.StorePath, err)
	}
	return nil
}

// fetchNAR is FetchNAR without the error prefix.
func (c *Client) fetchNAR(ctx context.Context, ni *NarInfo, w io.Writer) error {
	if err := ni.Check(); err != nil {
		return err
	}
	method := ni.compression()
	if !slices.Contains(supportedCompressions, method) {
		return fmt.Errorf("%w: %q (supported: %s)", ErrUnsupportedCompression, method,
			strings.Join(supportedCompressions, ", "))
	}
	u, err := c.resolve(ni.URL)
	if err != nil {
		return err
	}
	body, err := c.open(ctx, u)
	if err != nil {
		return err
	}
	defer body.Close()

	// Never read more than the narinfo announces: a hostile or broken cache could
	// otherwise send without end. Without FileSize, allow for incompressible data.
	fileLimit := min(ni.NarSize+ni.NarSize/8+64<<10, 1<<62)
	var file *hashingReader
	if ni.FileHash != "" {
		fileLimit = min(ni.FileSize, 1<<62)
		if file, err = newHashingReader("FileHash", ni.FileHash, body); err != nil {
			return err
		}
	}
	var raw io.Reader = body
	if file != nil {
		raw = file
	}
	raw = &limitedReader{r: raw, left: int64(fileLimit), what: "download (FileSize)"}
	// A read that fails, from the decompressor's first look at its header to the end of
	// the stream, is one of four things, and the caller acts on which: the download is
	// longer than signed or does not decompress (the cache is wrong), the connection broke
	// or timed out (the cache is unreachable), or the context ended.
	readFailed := func(err error) error {
		var tl *tooLong
		switch {
		case errors.As(err, &tl):
			return fmt.Errorf("%w: the %s is longer than the narinfo says", ErrHashMismatch, tl.what)
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, errBrokenBody):
			return &UnreachableError{URL: c.URL(), Err: fmt.Errorf("reading %s: %w", u.Redacted(), err)}
		}
		// The whole download arrived and does not decompress: it is not the file the
		// signed narinfo describes, as a hash would have shown.
		return fmt.Errorf("%w: the NAR file does not decompress as %s: %v", ErrHashMismatch, method, err)
	}
	dec, err := decompressor(method, raw)
	if err != nil {
		return readFailed(err)
	}
	defer dec.Close()
	nar, err := newHashingReader("NarHash", ni.NarHash, &limitedReader{r: dec, left: int64(min(ni.NarSize, 1<<62)), what: "NAR (NarSize)"})
	if err != nil {
		return err
	}
	// w's own failure (a full disk, say) is the caller's, not the cache's.
	dst := &writeErr{w: w}
	if _, err := io.Copy(dst, nar); err != nil {
		if dst.err != nil {
			return fmt.Errorf("writing the NAR: %w", dst.err)
		}
		return readFailed(err)
	}
	if file != nil {
		// The decompressor may stop before the end of the download: read the rest.
		if _, err := io.Copy(io.Discard, raw); err != nil {
			var tl *tooLong
			if errors.As(err, &tl) {
				return fmt.Errorf("%w: the %s is longer than the narinfo says", ErrHashMismatch, tl.what)
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return &UnreachableError{URL: c.URL(), Err: fmt.Errorf("reading %s: %w", u.Redacted(), err)}
		}
		if err := file.check(ni.FileSize); err != nil {
			return err
		}
	}
	if err := nar.check(ni.NarSize); err != nil {
		return err
	}
	c.log.Debug("fetched NAR", "path", ni.StorePath, "narSize", nar.n)
	return nil
}

// writeErr keeps the error of the writer it wraps, so that a failed copy can tell the
// destination's failure from the source's.
type writeErr struct {
	w   io.Writer
	err error
}

func (d *writeErr) Write(p []byte) (int, error) {
	n, err := d.w.Write(p)
	if err != nil {
		d.err = err
	}
	return n, err
}

// hashingReader hashes what is read through it.
type hashingReader struct {
	field string
	want  Hash
	h     hash.Hash
	r     io.Reader
	n     uint64
}

func newHashingReader(field, want string, r io.Reader) (*hashingReader, error) {
	wh, err := ParseHash(want)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", field, err)
	}
	h, err := newHasher(wh.Algo)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", field, err)
	}
	return &hashingReader{field: field, want: wh, h: h, r: r}, nil
}

func (hr *hashingReader) Read(p []byte) (int, error) {
	n, err := hr.r.Read(p)
	hr.h.Write(p[:n])
	hr.n += uint64(n)
	return n, err
}

// check compares what was read with the narinfo's hash and size.
func (hr *hashingReader) check(wantSize uint64) error {
	got := Hash{Algo: hr.want.Algo, Digest: hr.h.Sum(nil)}
	if !got.Equal(hr.want) || hr.n != wantSize {
		return fmt.Errorf("%w: %s: narinfo has %s (%d bytes), download has %s (%d bytes)",
			ErrHashMismatch, hr.field, hr.want, wantSize, got, hr.n)
	}
	return nil
}

// tooLong is a stream longer than the narinfo announced.
type tooLong struct{ what string }

func (t *tooLong) Error() string { return t.what + " is too long" }

// limitedReader fails, rather than stopping quietly, once more than left bytes come.
type limitedReader struct {
	r    io.Reader
	left int64
	what string
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.left < 0 {
		return 0, &tooLong{l.what}
	}
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		return n, &tooLong{l.what}
	}
	return n, err
}

// resolve turns a narinfo URL into an absolute one. Relative URLs stay inside the cache;
// absolute http(s) URLs are allowed only for http(s) caches, as a remote narinfo must not
// make us read local files.
func (c *Client) resolve(ref string) (*url.URL, error) {
	u, err := url.Parse(ref)
	if err != nil {
		return nil, fmt.Errorf("invalid NAR URL %q: %w", ref, err)
	}
	if u.IsAbs() {
		remote := func(s string) bool { return s == "http" || s == "https" }
		if remote(u.Scheme) && remote(c.base.Scheme) {
			return u, nil
		}
		return nil, fmt.Errorf("invalid NAR URL %q: absolute %s URL in a %s cache", ref, u.Scheme, c.base.Scheme)
	}
	if u.Host != "" || strings.HasPrefix(u.Path, "/") || slices.Contains(strings.Split(u.Path, "/"), "..") {
		return nil, fmt.Errorf("invalid NAR URL %q: must stay inside the cache", ref)
	}
	r := c.base.JoinPath(u.Path)
	r.RawQuery = u.RawQuery
	return r, nil
}
