package cache

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// StoreDir is the store directory whose paths this package accepts; kiln only deals
// with the standard one, like cache.nixos.org.
const StoreDir = "/nix/store"

// storeHashLen is the length of the hash part of a store path: 160 bits in nix-base32.
const storeHashLen = 32

// maxStoreNameLen is the longest name Nix 2.8 allows after the hash part.
const maxStoreNameLen = 211

// checkStoreBaseName checks "<32 nix-base32 chars>-<name>" with Nix's rules for names.
func checkStoreBaseName(base string) error {
	if len(base) < storeHashLen+2 || base[storeHashLen] != '-' {
		return fmt.Errorf("invalid store path name %q: want <32-char hash>-<name>", base)
	}
	for i := 0; i < storeHashLen; i++ {
		if base32Index[base[i]] < 0 {
			return fmt.Errorf("invalid store path name %q: hash part has %q, not nix-base32", base, base[i])
		}
	}
	name := base[storeHashLen+1:]
	if len(name) > maxStoreNameLen {
		return fmt.Errorf("invalid store path name %q: name longer than %d characters", base, maxStoreNameLen)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		ok := c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || strings.IndexByte("+-._?=", c) >= 0
		if !ok {
			return fmt.Errorf("invalid store path name %q: character %q is not allowed", base, c)
		}
	}
	return nil
}

// parseStorePath checks p is /nix/store/<hash>-<name> and returns its base name.
func parseStorePath(p string) (string, error) {
	base, ok := strings.CutPrefix(p, StoreDir+"/")
	if !ok {
		return "", fmt.Errorf("invalid store path %q: not in %s", p, StoreDir)
	}
	if err := checkStoreBaseName(base); err != nil {
		return "", fmt.Errorf("invalid store path %q: %w", p, err)
	}
	return base, nil
}

// hashPart returns the 32-character hash part of a store path, the key of its narinfo.
func hashPart(p string) (string, error) {
	base, err := parseStorePath(p)
	if err != nil {
		return "", err
	}
	return base[:storeHashLen], nil
}

// FixedOutputPath is the store path of a fixed-output derivation output (or of what `nix
// store add-file` / `add-path` adds): name and the sha256 of the content, flat (the file's
// own bytes) or recursive (its NAR). It is Nix's makeFixedOutputPath for sha256 without
// references, so kiln can know where a pinned source lives without asking nix.
func FixedOutputPath(name string, sha256Hex string, recursive bool) (string, error) {
	if err := checkStoreBaseName("0000000000000000000000000000000a-" + name); err != nil {
		return "", err
	}
	sum, err := hex.DecodeString(sha256Hex)
	if err != nil || len(sum) != sha256.Size {
		return "", fmt.Errorf("fixed-output hash %q: want 64 hex digits", sha256Hex)
	}
	if recursive {
		return makeStorePath("source", "sha256:"+sha256Hex, name), nil
	}
	inner := sha256.Sum256([]byte("fixed:out:sha256:" + sha256Hex + ":"))
	return makeStorePath("output:out", "sha256:"+hex.EncodeToString(inner[:]), name), nil
}

// makeStorePath is Nix's makeStorePath: the store path of a type, a base-16 hash and a
// name, its hash part the 160-bit fold of a sha256, in nix-base32.
func makeStorePath(typ, hash, name string) string {
	full := sha256.Sum256([]byte(typ + ":" + hash + ":" + StoreDir + ":" + name))
	var folded [20]byte
	for i, b := range full {
		folded[i%len(folded)] ^= b
	}
	return StoreDir + "/" + EncodeBase32(folded[:]) + "-" + name
}
