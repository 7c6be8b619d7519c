package upstream

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"
)

// Release is one published source tarball.
type Release struct {
	// Version is the release number, e.g. 3.0.12.
	Version string `json:"version"`
	// URL is upstream's own https:// URL for the tarball: what a spec pins.
	URL string `json:"url"`
	// Download is where kiln fetches the tarball: URL itself, or the same file under a
	// replaced base URL (a mirror, a test server).
	Download string `json:"download"`
	// SHA256 is the hash upstream publishes for the tarball ("" when the index has none).
	SHA256 string `json:"sha256,omitempty"`
	// SHA256URL is where upstream publishes the hash as a file of its own, when the index
	// itself does not carry it (a GitHub release's .sha256 asset).
	SHA256URL string `json:"-"`
	// Date is the release date, YYYY-MM-DD, when the index gives one.
	Date string `json:"date,omitempty"`
}

// Cycle is a release branch's support status.
type Cycle struct {
	// Branch is the branch name, e.g. 3.0.
	Branch string `json:"branch"`
	// Known is false when no lifecycle index covers the project or it does not list the
	// branch: LTS and EOL then say nothing.
	Known bool `json:"known"`
	// LTS is true for a long-term-support branch.
	LTS bool `json:"lts"`
	// EOL is true once the branch gets no more fixes.
	EOL bool `json:"eol"`
	// EOLDate is the announced end of life, YYYY-MM-DD ("" when none is announced).
	EOLDate string `json:"eol_date,omitempty"`
}

// Project is what kiln knows about one upstream project.
type Project struct {
	// Name is the component's name in specs (package.name, [sources.<name>]).
	Name string
	// Depth is how many version parts name a branch: 2 for HAProxy's 3.0, 1 for PCRE2's 10.
	Depth int
	// HashRequired is set when the index always publishes a sha256: a release listed
	// without one is refused rather than hashed from a download.
	HashRequired bool
	// Lifecycle is the project's endoflife.date product ("" = branch status unknown).
	Lifecycle string
	// Index names the index (an --index-url NAME) the releases come from.
	Index string
}

// Projects are the projects kiln reads indexes for, by name.
var Projects = map[string]Project{
	"haproxy": {Name: "haproxy", Depth: 2, HashRequired: true, Lifecycle: "haproxy", Index: "haproxy"},
	"lua":     {Name: "lua", Depth: 2, Index: "lua"},
	"pcre2":   {Name: "pcre2", Depth: 1, Index: "pcre2"},
	"openssl": {Name: "openssl", Depth: 2, Lifecycle: "openssl", Index: "openssl"},
	"zlib":    {Name: "zlib", Depth: 1, Index: "zlib"},
}

// DefaultIndexURLs are upstream's own index locations, by --index-url NAME. "github" is
// the prefix of GitHub release downloads; "endoflife" the lifecycle API.
var DefaultIndexURLs = map[string]string{
	"haproxy":   "https://www.haproxy.org/download",
	"lua":       "https://www.lua.org/ftp",
	"pcre2":     "https://api.github.com/repos/PCRE2Project/pcre2/releases",
	"openssl":   "https://api.github.com/repos/openssl/openssl/releases",
	"zlib":      "https://zlib.net/fossils",
	"github":    "https://github.com",
	"endoflife": "https://endoflife.date/api/v1/products",
}

// IndexNames lists the names --index-url accepts, sorted.
func IndexNames() []string {
	names := make([]string, 0, len(DefaultIndexURLs))
	for n := range DefaultIndexURLs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// config collects what Options set.
type config struct {
	bases                    map[string]string
	timeout, downloadTimeout time.Duration
	retryMax                 int
	waitMin, waitMax         time.Duration
	logger                   *slog.Logger
	transport                http.RoundTripper
	userAgent                string
	githubToken              string
	now                      func() time.Time
}

// Option configures an Index.
type Option func(*config)

// WithIndexURL replaces the base URL of the named index (see DefaultIndexURLs): a mirror
// or a test server. The URLs written into specs stay upstream's own.
func WithIndexURL(name, rawURL string) Option {
	return func(c *config) { c.bases[name] = rawURL }
}

// WithTimeout bounds each index request, retries included (default 30s).
func WithTimeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

// WithDownloadTimeout bounds each tarball download, retries included (default 10m).
func WithDownloadTimeout(d time.Duration) Option { return func(c *config) { c.downloadTimeout = d } }

// WithRetryMax sets how many times a failed request is retried (default 3; 0 = never).
func WithRetryMax(n int) Option { return func(c *config) { c.retryMax = n } }

// WithBackoff sets the exponential backoff between retries (default 250ms doubling to 5s).
func WithBackoff(minWait, maxWait time.Duration) Option {
	return func(c *config) { c.waitMin, c.waitMax = minWait, maxWait }
}

// WithLogger sends debug logs (requests, retries) to l; by default nothing is logged.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithTransport sets the HTTP RoundTripper (default: a clone of http.DefaultTransport).
func WithTransport(rt http.RoundTripper) Option { return func(c *config) { c.transport = rt } }

// WithUserAgent sets the User-Agent header (default none beyond Go's).
func WithUserAgent(ua string) Option { return func(c *config) { c.userAgent = ua } }

// WithGitHubToken authenticates requests to api.github.com (and to no other host), which
// raises GitHub's rate limit from 60 requests an hour.
func WithGitHubToken(tok string) Option { return func(c *config) { c.githubToken = tok } }

// WithClock sets the clock end-of-life dates are compared with (default time.Now).
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// Index answers questions about every project's releases. It caches each document it
// fetched for its lifetime, so one run asks every index once. It is safe for concurrent use.
type Index struct {
	bases map[string]string
	f     *fetcher
	now   func() time.Time

	mu    sync.Mutex
	cache map[string]any
}

// New returns an Index. Nothing is fetched until a method is called.
func New(opts ...Option) (*Index, error) {
	cfg := config{
		bases:           map[string]string{},
		timeout:         30 * time.Second,
		downloadTimeout: 10 * time.Minute,
		retryMax:        3,
		waitMin:         250 * time.Millisecond,
		waitMax:         5 * time.Second,
		now:             time.Now,
	}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.logger == nil {
		cfg.logger = slog.New(slog.DiscardHandler)
	}
	if cfg.transport == nil {
		cfg.transport = http.DefaultTransport.(*http.Transport).Clone()
	}
	cfg.retryMax = max(cfg.retryMax, 0)
	bases := map[string]string{}
	for n, u := range DefaultIndexURLs {
		bases[n] = u
	}
	for n, raw := range cfg.bases {
		if _, ok := DefaultIndexURLs[n]; !ok {
			return nil, fmt.Errorf("index URL for %q: unknown index; use one of %s", n, strings.Join(IndexNames(), ", "))
		}
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("index URL for %s: %q is not an http(s):// URL", n, raw)
		}
		bases[n] = strings.TrimRight(raw, "/")
	}
	return &Index{bases: bases, f: newFetcher(&cfg), now: cfg.now, cache: map[string]any{}}, nil
}

// project looks a project up by name.
func project(name string) (Project, error) {
	p, ok := Projects[name]
	if !ok {
		return Project{}, fmt.Errorf("no release index known for %q; kiln reads haproxy, lua, pcre2, openssl and zlib", name)
	}
	return p, nil
}

// Releases lists name's stable releases on branch, newest first. An empty list means the
// index lists nothing on that branch.
func (x *Index) Releases(ctx context.Context, name, branch string) ([]Release, error) {
	p, err := project(name)
	if err != nil {
		return nil, err
	}
	var all []Release
	switch name {
	case "haproxy":
		all, err = x.haproxyReleases(ctx, branch)
	default:
		all, err = x.allReleases(ctx, p)
	}
	if err != nil {
		return nil, err
	}
	var out []Release
	for _, r := range all {
		if BranchOf(r.Version, p.Depth) == branch {
			out = append(out, r)
		}
	}
	return out, nil
}

// Newest is name's newest stable release on any branch.
func (x *Index) Newest(ctx context.Context, name string) (Release, error) {
	p, err := project(name)
	if err != nil {
		return Release{}, err
	}
	if name == "haproxy" {
		return x.haproxyNewest(ctx)
	}
	all, err := x.allReleases(ctx, p)
	if err != nil {
		return Release{}, err
	}
	if len(all) == 0 {
		return Release{}, &MalformedError{What: name + "'s releases", URL: x.bases[p.Index], Err: fmt.Errorf("no release listed")}
	}
	return all[0], nil
}

// allReleases is every stable release of a project whose index lists all branches at once.
func (x *Index) allReleases(ctx context.Context, p Project) ([]Release, error) {
	var rels []Release
	var err error
	switch p.Name {
	case "lua":
		rels, err = x.luaReleases(ctx)
	case "zlib":
		rels, err = x.zlibReleases(ctx)
	case "pcre2", "openssl":
		rels, err = x.githubReleases(ctx, p.Name)
	}
	return rels, err
}

// Cycle is the support status of name's branch. A project or branch no lifecycle index
// covers gives a Cycle with Known false, not an error.
func (x *Index) Cycle(ctx context.Context, name, branch string) (Cycle, error) {
	p, err := project(name)
	if err != nil {
		return Cycle{}, err
	}
	c := Cycle{Branch: branch}
	if p.Lifecycle == "" {
		return c, nil
	}
	cycles, err := x.lifecycle(ctx, p.Lifecycle)
	if err != nil {
		return c, err
	}
	for _, lc := range cycles {
		if lc.Branch == branch {
			return lc, nil
		}
	}
	return c, nil
}

// ResolveSHA256 fills r.SHA256 from r.SHA256URL when the index did not carry the hash.
func (x *Index) ResolveSHA256(ctx context.Context, name string, r *Release) error {
	if r.SHA256 != "" || r.SHA256URL == "" {
		return nil
	}
	what := fmt.Sprintf("%s %s's published sha256", name, r.Version)
	body, err := x.f.get(ctx, what, r.SHA256URL, "")
	if err != nil {
		return err
	}
	h := firstSHA256(string(body))
	if h == "" {
		return &MalformedError{What: what, URL: r.SHA256URL, Err: fmt.Errorf("no sha256 in it")}
	}
	r.SHA256 = h
	return nil
}

// Fetch downloads rawURL (a tarball, a patch) into w, with the download timeout.
func (x *Index) Fetch(ctx context.Context, what, rawURL string, w io.Writer) (int64, error) {
	return x.f.copy(ctx, what, rawURL, w)
}

// cached returns the memoised value of key, computing it once.
func cached[T any](x *Index, key string, fn func() (T, error)) (T, error) {
	x.mu.Lock()
	if v, ok := x.cache[key]; ok {
		x.mu.Unlock()
		return v.(T), nil
	}
	x.mu.Unlock()
	v, err := fn()
	if err != nil {
		return v, err
	}
	x.mu.Lock()
	x.cache[key] = v
	x.mu.Unlock()
	return v, nil
}

// sortNewestFirst orders releases by version, newest first.
func sortNewestFirst(rels []Release) {
	sort.SliceStable(rels, func(i, j int) bool { return Compare(rels[i].Version, rels[j].Version) > 0 })
}

// rebase moves rawURL from upstream's base to the configured one: the same file, where
// kiln was told to fetch it.
func (x *Index) rebase(index, rawURL string) string {
	def, got := DefaultIndexURLs[index], x.bases[index]
	if def == got {
		return rawURL
	}
	if rest, ok := strings.CutPrefix(rawURL, def); ok {
		return got + rest
	}
	return rawURL
}
