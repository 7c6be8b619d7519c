package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/kilnbuild/kiln/cache"
)

// Cache is a binary cache a build may substitute from, with the keys its paths must be
// signed by.
type Cache struct {
	Client  *cache.Client
	Trusted []cache.PublicKey
}

// trustedStrings are the trusted keys in nix.conf's form.
func (c *Cache) trustedStrings() []string {
	out := make([]string, len(c.Trusted))
	for i, k := range c.Trusted {
		out[i] = k.String()
	}
	return out
}

// CacheLookup is what the cache held for a build's outputs before building.
type CacheLookup struct {
	URL         string   `json:"url"`
	Found       []string `json:"found"`
	Missing     []string `json:"missing"`
	Unreachable bool     `json:"unreachable"`
}

// CacheRejectedError is a cache that serves a build's path but cannot be trusted for it:
// an untrusted or bad signature, no signature, or a NAR whose hash is not what the signed
// narinfo says. Nix would only warn and quietly build instead; kiln stops and says so.
type CacheRejectedError struct {
	URL    string
	Reason []string
}

func (e *CacheRejectedError) Error() string {
	return fmt.Sprintf("binary cache %s cannot be trusted for this build (nothing was imported):\n  %s\n"+
		"check --trusted-key (nix key convert-secret-to-public < SECRET) or re-push the paths with `kiln cache push`; drop --cache to build from source",
		e.URL, strings.Join(e.Reason, "\n  "))
}

// Check asks the cache which of a build's paths it holds — every package output and every
// pinned download — and verifies each one it would substitute: signature by a trusted key,
// and the NAR's FileHash, NarHash and NarSize — before nix imports anything. An
// unreachable cache is a warning: the build goes on without it.
func (c *Cache) Check(ctx context.Context, outs []string, log *slog.Logger) (*CacheLookup, error) {
	lookup := &CacheLookup{URL: c.Client.URL()}
	have, err := c.Client.Have(ctx, outs, c.Trusted)
	var unreachable *cache.UnreachableError
	gone := func(msg string, err error) (*CacheLookup, error) {
		log.Warn(msg, "cache", lookup.URL, "error", err)
		return &CacheLookup{URL: lookup.URL, Unreachable: true, Missing: outs}, nil
	}
	if errors.As(err, &unreachable) {
		return gone("binary cache unreachable; building without it", err)
	}
	if err != nil {
		return nil, fmt.Errorf("asking %s for %v: %w", lookup.URL, outs, err)
	}
	var reasons []string
	for _, r := range have.Rejected {
		reasons = append(reasons, fmt.Sprintf("%s: %v", r.StorePath, r.Err))
	}
	for _, ni := range have.Found {
		if err := c.Client.FetchNAR(ctx, ni, io.Discard); err != nil {
			if errors.As(err, &unreachable) {
				return gone("binary cache went away; building without it", err)
			}
			reasons = append(reasons, fmt.Sprintf("%s: %v", ni.StorePath, err))
			continue
		}
		lookup.Found = append(lookup.Found, ni.StorePath)
	}
	if len(reasons) > 0 {
		return nil, &CacheRejectedError{URL: lookup.URL, Reason: reasons}
	}
	lookup.Missing = have.Missing
	log.Info("binary cache", "cache", lookup.URL, "outputs_in_cache", len(lookup.Found), "outputs_to_build", len(lookup.Missing))
	return lookup, nil
}
