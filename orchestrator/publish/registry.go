package publish

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"syscall"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// push uploads img to the registry of t.Ref: blobs first, the manifest last,
// so the tag moves only once everything it points to is there.
func push(ctx context.Context, img v1.Image, t Target, o options) error {
	ref, err := o.parseRef(t.Ref)
	if err != nil {
		return fmt.Errorf("pushing to %s: %w", t, err)
	}
	if err := remote.Write(ref, img, o.remoteOptions(ctx)...); err != nil {
		return fmt.Errorf("pushing to %s: %w", t, explainRegistry(ctx, ref, err))
	}
	o.logger.Info("pushed image", "ref", ref.String())
	return nil
}

// pull returns the image at t.Ref.
func pull(ctx context.Context, t Target, o options) (v1.Image, error) {
	ref, err := o.parseRef(t.Ref)
	if err != nil {
		return nil, err
	}
	img, err := remote.Image(ref, o.remoteOptions(ctx)...)
	if err != nil {
		return nil, explainRegistry(ctx, ref, err)
	}
	return img, nil
}

// explainRegistry turns a registry error into one that names the registry
// and says what to do.
func explainRegistry(ctx context.Context, ref name.Reference, err error) error {
	reg := ref.Context().Registry
	host := reg.RegistryStr()
	if ctx.Err() != nil {
		return err
	}
	var terr *transport.Error
	if errors.As(err, &terr) {
		if terr.StatusCode == http.StatusUnauthorized || terr.StatusCode == http.StatusForbidden || hasCode(terr, transport.UnauthorizedErrorCode, transport.DeniedErrorCode) {
			return fmt.Errorf("registry %s refused the credentials (%w): log in with `docker login %s` or `podman login %s`, or set credentials", host, err, host, host)
		}
		status := fmt.Sprintf("%d %s", terr.StatusCode, http.StatusText(terr.StatusCode))
		if terr.Temporary() {
			return fmt.Errorf("registry %s answered %s after retries (%w): try again later", host, status, err)
		}
		return fmt.Errorf("registry %s answered %s: %w", host, status, err)
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return fmt.Errorf("registry %s is unreachable (%w): check that it runs and that host and port are right", hostPort(reg), err)
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return fmt.Errorf("registry %s is unreachable: cannot resolve %s (%w)", hostPort(reg), dnsErr.Name, err)
	}
	var certErr *x509.UnknownAuthorityError
	if errors.As(err, &certErr) || errors.As(err, new(x509.HostnameError)) || errors.As(err, new(x509.CertificateInvalidError)) {
		return fmt.Errorf("registry %s: TLS certificate not trusted (%w): install its CA, or use Insecure for a plain-HTTP test registry", host, err)
	}
	if strings.Contains(err.Error(), "server gave HTTP response to HTTPS client") {
		return fmt.Errorf("registry %s speaks plain HTTP (%w): use Insecure", host, err)
	}
	if retryable(ctx, err) || errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("connection to registry %s failed after retries (%w): check the network and the registry, then try again", hostPort(reg), err)
	}
	return err
}

// hasCode reports whether terr carries any of codes.
func hasCode(terr *transport.Error, codes ...transport.ErrorCode) bool {
	for _, d := range terr.Errors {
		for _, c := range codes {
			if d.Code == c {
				return true
			}
		}
	}
	return false
}

// hostPort names the registry with its port, defaulting it from the scheme.
func hostPort(reg name.Registry) string {
	host := reg.RegistryStr()
	if _, _, err := net.SplitHostPort(host); err == nil {
		return host
	}
	if reg.Scheme() == "http" {
		return net.JoinHostPort(host, "80")
	}
	return net.JoinHostPort(host, "443")
}
