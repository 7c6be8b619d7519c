// Package storepath names Nix store paths: the store directory, the rules for a path's
// name, and where a fixed-output path lives (computed as Nix computes it).
package storepath

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/kilnbuild/kiln/internal/nixbase32"
)

// StoreDir is the store directory whose paths this package accepts; kiln only deals
// with the standard one, like cache.nixos.org.
const StoreDir = "/nix/store"

// storeHashLen is the length of the hash part of a store path: 160 bits in nix-base32.
const storeHashLen = 32

// MaxNameLen is the longest name Nix 2.8 allows after the hash part.
const MaxNameLen = 211

// CheckBaseName checks "<32 nix-base32 chars>-<name>" with Nix's rules for names.
func CheckBaseName(base string) error {
	if len(base) < storeHashLen+2 || base[storeHashLen] != '-' {
		return fmt.Errorf("invalid store path name %q: want <32-char hash>-<name>", base)
	}
	for i := 0; i < storeHashLen; i++ {
		if !nixbase32.Valid(base[i]) {
			return fmt.Errorf("invalid store path name %q: hash part has %q, not nix-base32", base, base[i])
		}
	}
	if err := CheckName(base[storeHashLen+1:]); err != nil {
		return fmt.Errorf("invalid store path name %q: %w", base, err)
	}
	return nil
}

// CheckName checks the name part of a store path (what follows the hash and the dash):
// 1 to MaxNameLen letters, digits and + - . _ ? =, not starting with a dot.
func CheckName(name string) error {
	if name == "" {
		return fmt.Errorf("empty name")
	}
	if len(name) > MaxNameLen {
		return fmt.Errorf("name longer than %d characters", MaxNameLen)
	}
	if name[0] == '.' {
		return fmt.Errorf("name starts with a dot")
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		ok := c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || strings.IndexByte("+-._?=", c) >= 0
		if !ok {
			return fmt.Errorf("character %q is not allowed", c)
		}
	}
	return nil
}

// Parse checks p is /nix/store/<hash>-<name> and returns its base name.
func Parse(p string) (string, error) {
	base, ok := strings.CutPrefix(p, StoreDir+"/")
	if !ok {
		return "", fmt.Errorf("invalid store path %q: not in %s", p, StoreDir)
	}
	if err := CheckBaseName(base); err != nil {
		return "", fmt.Errorf("invalid store path %q: %w", p, err)
	}
	return base, nil
}

// HashPart returns the 32-character hash part of a store path, the key of its narinfo.
func HashPart(p string) (string, error) {
	base, err := Parse(p)
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
	if err := CheckName(name); err != nil {
		return "", fmt.Errorf("store path name %q: %w", name, err)
	}
	sum, err := hex.DecodeString(sha256Hex)
	if err != nil || len(sum) != sha256.Size {
		return "", fmt.Errorf("fixed-output hash %q: want 64 hex digits", sha256Hex)
	}
	// Nix hashes the digest's canonical spelling, lower-case, whatever case it was given in.
	h := hex.EncodeToString(sum)
	if recursive {
		return makeStorePath("source", "sha256:"+h, name), nil
	}
	inner := sha256.Sum256([]byte("fixed:out:sha256:" + h + ":"))
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
	return StoreDir + "/" + nixbase32.Encode(folded[:]) + "-" + name
}
