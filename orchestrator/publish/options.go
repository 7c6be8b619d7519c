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

// Options tunes Write and Inspect. The zero value is ready to use.
type Options struct {
	// Tag names the image where the target does not: the ref.name of an
	// oci: target without TAG ("" means "latest"), or the RepoTags entry of a
	// docker-archive: target without REF, e.g. "haproxy:3.0.11" ("" means
	// the archive holds an untagged image). Ignored for docker:// targets.
	Tag string
	// Insecure talks plain HTTP to the registry. Without it HTTPS is used,
	// except for localhost, 127.0.0.0/8 and private addresses, which
	// go-containerregistry always reaches over HTTP.
	Insecure bool
	// Keychain finds registry credentials; nil means authn.DefaultKeychain,
	// which reads the docker and podman login files ($DOCKER_CONFIG/config.json,
	// ~/.docker/config.json, $REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json).
	Keychain authn.Keychain
	// Retry says how registry requests and blob uploads are retried.
	Retry Retry
	// Transport carries registry HTTP requests; nil means remote.DefaultTransport.
	Transport http.RoundTripper
	// Logger receives progress and retry messages; nil discards them.
	Logger *slog.Logger
}

// Retry says how often and how patiently failed registry requests are
// retried: on 408, 429 and 5xx answers and on broken connections.
type Retry struct {
	// Attempts is the number of tries of a request or a blob upload; 0 means 3, 1 means no retry.
	Attempts int
	// Delay is the wait before the first retry; 0 means 1s.
	Delay time.Duration
	// Factor multiplies the wait after each retry (with 10% jitter); 0 means 3.
	Factor float64
}

// retryStatusCodes are the HTTP answers that are worth another try.
var retryStatusCodes = []int{
	http.StatusRequestTimeout,
	http.StatusTooManyRequests,
	http.StatusInternalServerError,
	http.StatusBadGateway,
	http.StatusServiceUnavailable,
	http.StatusGatewayTimeout,
}

// logger returns o.Logger or a logger that discards.
func (o Options) logger() *slog.Logger {
	if o.Logger != nil {
		return o.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// backoff returns the retry schedule with defaults filled in.
func (r Retry) backoff() remote.Backoff {
	b := remote.Backoff{Duration: r.Delay, Factor: r.Factor, Jitter: 0.1, Steps: r.Attempts}
	if b.Steps <= 0 {
		b.Steps = 3
	}
	if b.Duration <= 0 {
		b.Duration = time.Second
	}
	if b.Factor <= 0 {
		b.Factor = 3
	}
	return b
}

// parseRef parses a registry reference, honouring Insecure.
func (o Options) parseRef(ref string) (name.Reference, error) {
	var nopts []name.Option
	if o.Insecure {
		nopts = append(nopts, name.Insecure)
	}
	return name.ParseReference(ref, nopts...)
}

// remoteOptions turns o into go-containerregistry options bound to ctx.
func (o Options) remoteOptions(ctx context.Context, registry string) []remote.Option {
	kc := o.Keychain
	if kc == nil {
		kc = authn.DefaultKeychain
	}
	tr := o.Transport
	if tr == nil {
		tr = remote.DefaultTransport
	}
	log := o.logger()
	return []remote.Option{
		remote.WithContext(ctx),
		remote.WithAuthFromKeychain(kc),
		remote.WithTransport(tr),
		remote.WithUserAgent("kiln"),
		remote.WithRetryBackoff(o.Retry.backoff()),
		remote.WithRetryStatusCodes(retryStatusCodes...),
		remote.WithRetryPredicate(func(err error) bool {
			if !retryable(ctx, err) {
				return false
			}
			log.Warn("retrying registry request", "registry", registry, "error", err)
			return true
		}),
	}
}

// retryable reports whether err is a passing network or server fault.
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
