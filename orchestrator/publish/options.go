package publish

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"syscall"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Option tunes Write, Open and Inspect.
type Option func(*options)

type options struct {
	tag       string
	insecure  bool
	keychain  authn.Keychain
	backoff   remote.Backoff
	transport http.RoundTripper
	timeout   time.Duration
	logger    *slog.Logger
}

// WithTag names the image where the target does not: the ref.name of an oci: target
// without TAG (default "latest"), or the RepoTags entry of a docker-archive: target
// without REF, e.g. "haproxy:3.0.11" (default: the archive holds an untagged image).
// Ignored for docker:// targets.
func WithTag(tag string) Option { return func(o *options) { o.tag = tag } }

// WithInsecure talks plain HTTP to the registry. Without it HTTPS is used, except for
// localhost, 127.0.0.0/8 and private addresses, which go-containerregistry always reaches
// over HTTP.
func WithInsecure(insecure bool) Option { return func(o *options) { o.insecure = insecure } }

// WithKeychain finds registry credentials (default authn.DefaultKeychain, which reads the
// docker and podman login files: $DOCKER_CONFIG/config.json, ~/.docker/config.json,
// $REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json).
func WithKeychain(kc authn.Keychain) Option { return func(o *options) { o.keychain = kc } }

// WithRetry says how failed registry requests and blob uploads are retried: attempts
// tries (1 = no retry), waiting delay before the first retry and factor times longer
// before each next one, with 10% jitter (default 3 tries, 1 s, ×3). Which failures are
// retried is go-containerregistry's choice: 408, 429, 5xx and broken connections.
func WithRetry(attempts int, delay time.Duration, factor float64) Option {
	return func(o *options) {
		o.backoff = remote.Backoff{Steps: attempts, Duration: delay, Factor: factor, Jitter: 0.1}
	}
}

// WithTransport carries registry HTTP requests (default: remote.DefaultTransport with the
// timeout of WithTimeout).
func WithTransport(rt http.RoundTripper) Option { return func(o *options) { o.transport = rt } }

// WithTimeout bounds every network step of a registry request: connecting, the TLS
// handshake, and waiting for an answer once a request (or a blob upload) is sent (default
// 60 s). A registry that accepts an upload and never answers, or a host that swallows
// packets, is an error after this long, not a hang.
func WithTimeout(d time.Duration) Option { return func(o *options) { o.timeout = d } }

// WithLogger receives progress messages (default: discard).
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// DefaultTimeout is WithTimeout's default.
const DefaultTimeout = 60 * time.Second

func makeOptions(opts []Option) options {
	o := options{
		keychain: authn.DefaultKeychain,
		backoff:  remote.Backoff{Steps: 3, Duration: time.Second, Factor: 3, Jitter: 0.1},
		timeout:  DefaultTimeout,
		logger:   slog.New(slog.DiscardHandler),
	}
	for _, f := range opts {
		f(&o)
	}
	if o.transport == nil {
		o.transport = timeoutTransport(o.timeout)
	}
	return o
}

// timeoutTransport is remote.DefaultTransport with every wait bounded by d.
func timeoutTransport(d time.Duration) http.RoundTripper {
	t := remote.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: d, KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = d
	t.ResponseHeaderTimeout = d
	t.ExpectContinueTimeout = time.Second
	return t
}

// parseRef parses a registry reference, honouring WithInsecure.
func (o options) parseRef(ref string) (name.Reference, error) {
	var nopts []name.Option
	if o.insecure {
		nopts = append(nopts, name.Insecure)
	}
	return name.ParseReference(ref, nopts...)
}

// remoteOptions turns o into go-containerregistry options bound to ctx.
func (o options) remoteOptions(ctx context.Context) []remote.Option {
	return []remote.Option{
		remote.WithContext(ctx),
		remote.WithAuthFromKeychain(o.keychain),
		remote.WithTransport(o.transport),
		remote.WithUserAgent("kiln"),
		remote.WithRetryBackoff(o.backoff),
	}
}

// retryable reports whether err is a passing network or server fault: what
// go-containerregistry retries, used here only to word the final error.
func retryable(ctx context.Context, err error) bool {
	if err == nil || ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var temp interface{ Temporary() bool }
	if errors.As(err, &temp) && temp.Temporary() {
		return true
	}
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, net.ErrClosed)
}
