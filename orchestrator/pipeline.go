package orchestrator

import (
	"io"
	"log/slog"
	"os"
	"os/user"
	"path/filepath"
	"runtime"

	"github.com/kilnbuild/kiln/internal/resultcache"
	"github.com/kilnbuild/kiln/nixgen/spec"
	"github.com/kilnbuild/kiln/orchestrator/nix"
	"github.com/kilnbuild/kiln/orchestrator/publish"
)

// Pipeline is kiln's one way from a spec to a published image: build (nix), package (audit
// gate, image, image gate) and publish. kiln build, verify, cache push and bump all run the
// same stages with the same options; the command layer only parses flags and prints.
type Pipeline struct {
	log         *slog.Logger
	progress    io.Writer
	environ     []string
	nixBin      string
	runner      nix.Runner
	store       string
	mirror      string
	cache       *Cache
	results     *resultcache.Cache
	kilnID      string
	tempDir     string
	cores       int
	publishOpts []publish.Option
}

// Option configures a Pipeline.
type Option func(*Pipeline)

// WithLogger receives progress messages (default: discard).
func WithLogger(l *slog.Logger) Option { return func(p *Pipeline) { p.log = l } }

// WithProgress receives nix's build log as it happens (default: discard).
func WithProgress(w io.Writer) Option { return func(p *Pipeline) { p.progress = w } }

// WithEnviron is the environment nix runs with, "KEY=value" entries (default: none). The
// command layer passes its own; kiln's settings are appended to its NIX_CONFIG, so the
// user's remote builders and other settings pass through while kiln's win.
func WithEnviron(env []string) Option { return func(p *Pipeline) { p.environ = env } }

// WithNixBin is the nix program (default "nix" on PATH).
func WithNixBin(bin string) Option { return func(p *Pipeline) { p.nixBin = bin } }

// WithNixRunner runs nix's processes (default: real processes); for tests.
func WithNixRunner(r nix.Runner) Option { return func(p *Pipeline) { p.runner = r } }

// WithStore builds in the Nix store rooted at dir (nix --store; default: the local store).
func WithStore(dir string) Option { return func(p *Pipeline) { p.store = dir } }

// WithMirror seeds the store from the pinned downloads found in dir before building
// (default: none; nix fetches what the store lacks).
func WithMirror(dir string) Option { return func(p *Pipeline) { p.mirror = dir } }

// WithBinaryCache substitutes from c, after kiln has verified what it holds (default: no
// substituter at all).
func WithBinaryCache(c *Cache) Option { return func(p *Pipeline) { p.cache = c } }

// WithResultCache remembers finished builds in c, keyed by everything they depend on
// including kilnID (an identity of the kiln binary), so an unchanged build skips nix
// (default: off).
func WithResultCache(c *resultcache.Cache, kilnID string) Option {
	return func(p *Pipeline) { p.results, p.kilnID = c, kilnID }
}

// WithTempDir is where generated flakes and scratch trees go (default os.TempDir()).
func WithTempDir(dir string) Option { return func(p *Pipeline) { p.tempDir = dir } }

// WithCores is the build's parallelism (default: every CPU).
func WithCores(n int) Option { return func(p *Pipeline) { p.cores = n } }

// WithPublishOptions are passed to every write and read of an image (registry credentials,
// plain HTTP, timeouts, retries).
func WithPublishOptions(opts ...publish.Option) Option {
	return func(p *Pipeline) { p.publishOpts = append(p.publishOpts, opts...) }
}

// New returns a Pipeline with opts applied over the defaults.
func New(opts ...Option) *Pipeline {
	p := &Pipeline{
		log:      slog.New(slog.DiscardHandler),
		progress: io.Discard,
		environ:  []string{},
		nixBin:   "nix",
		cores:    runtime.NumCPU(),
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

// With returns a copy of the pipeline with opts applied on top (a verify round in a store
// of its own, say).
func (p *Pipeline) With(opts ...Option) *Pipeline {
	q := *p
	q.publishOpts = append([]publish.Option(nil), p.publishOpts...)
	for _, o := range opts {
		o(&q)
	}
	return &q
}

// Logger is the pipeline's logger.
func (p *Pipeline) Logger() *slog.Logger { return p.log }

// StoreRoot is the host directory holding nix/store for the pipeline's store: "" for the
// local store, the directory of a chroot store.
func (p *Pipeline) StoreRoot() string {
	if filepath.IsAbs(p.store) {
		return filepath.Clean(p.store)
	}
	return ""
}

// Store is the --store the pipeline builds in ("" = the local store).
func (p *Pipeline) Store() string { return p.store }

// PublishOptions are the options the pipeline reads and writes images with.
func (p *Pipeline) PublishOptions() []publish.Option {
	return append([]publish.Option{publish.WithLogger(p.log)}, p.publishOpts...)
}

// Nix returns the nix driver for building s: kiln's own settings (sandbox on, the
// toolchain's sandbox paths, the binary cache if any) over the user's NIX_CONFIG.
func (p *Pipeline) Nix(s *spec.Spec) *nix.Nix {
	settings := nix.Settings{Sandbox: true, Cores: p.cores}
	if os.Geteuid() == 0 {
		if _, err := user.LookupGroup("nixbld"); err != nil {
			settings.NoBuildUsers = true // root without build users: build as root in the sandbox
		}
	}
	if p.cache != nil {
		settings.Substituters = []string{p.cache.Client.URL()}
		settings.TrustedPublicKeys = p.cache.trustedStrings()
		settings.Fallback = true // a cache that goes away mid-build means building, not failing
	}
	opts := []nix.Option{
		nix.WithBin(p.nixBin),
		nix.WithEnv(nix.Environ(p.environ, settings)),
		nix.WithStore(p.store),
		nix.WithLog(p.progress),
	}
	if p.runner != nil {
		opts = append(opts, nix.WithRunner(p.runner))
	}
	return nix.New(opts...)
}
