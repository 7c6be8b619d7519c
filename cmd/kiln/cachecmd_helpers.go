package main

import (
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/kilnbuild/kiln/cache"
	"github.com/kilnbuild/kiln/orchestrator"
)

// defaultCacheTimeout bounds each request to a binary cache.
const defaultCacheTimeout = 30 * time.Second

// binaryCache builds the cache client for --cache with the --trusted-key keys. A cache
// without trusted keys is refused: nix would substitute nothing from it and say nothing.
func binaryCache(c *cli.Context, url string) (*orchestrator.Cache, error) {
	texts := c.StringSlice("trusted-key")
	if len(texts) == 0 {
		return nil, fmt.Errorf("--cache needs --trusted-key: the public key its paths are signed with (kiln cache keygen prints it)")
	}
	var keys []cache.PublicKey
	for i, t := range texts {
		k, err := cache.ParsePublicKey(t)
		if err != nil {
			// Never echo the value: a secret key pasted here by mistake must not end up in
			// a terminal or a CI log.
			return nil, fmt.Errorf("--trusted-key #%d: %v (a public key is name:base64 of 32 bytes, as `kiln cache keygen` prints it)", i+1, err)
		}
		keys = append(keys, k)
	}
	client, err := cache.New(url, cache.WithLogger(logger(c)), cache.WithTimeout(c.Duration("cache-timeout")))
	if err != nil {
		return nil, fmt.Errorf("--cache: %v", err)
	}
	return &orchestrator.Cache{Client: client, Trusted: keys}, nil
}
