package cache

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/kilnbuild/kiln/internal/storepath"
)

// Signature errors returned (wrapped, with details) by Verify; test with errors.Is.
var (
	// ErrUnsigned means the narinfo has no Sig line at all.
	ErrUnsigned = errors.New("narinfo is unsigned")
	// ErrUntrustedKey means the narinfo is signed, but by no key in the trusted set.
	ErrUntrustedKey = errors.New("narinfo is not signed by a trusted key")
	// ErrBadSignature means a trusted key's signature does not match the narinfo: it was
	// altered after signing, or signed by another key under a trusted key's name.
	ErrBadSignature = errors.New("narinfo signature is invalid")
)

// Fingerprint returns the string Nix signs:
// "1;<storePath>;<narHash>;<narSize>;<full reference paths, sorted, comma-separated>".
//
// NarHash is normalised to sha256:<nix-base32> and references are sorted, as Nix does
// from its parsed form, so a narinfo written with another hash spelling or order of
// references still has the fingerprint Nix computed when it signed.
func (ni *NarInfo) Fingerprint() (string, error) {
	if _, err := storepath.Parse(ni.StorePath); err != nil {
		return "", fmt.Errorf("fingerprint: %w", err)
	}
	h, err := ParseHash(ni.NarHash)
	if err != nil {
		return "", fmt.Errorf("fingerprint of %s: NarHash: %w", ni.StorePath, err)
	}
	if ni.NarSize == 0 {
		return "", fmt.Errorf("fingerprint of %s: NarSize unknown", ni.StorePath)
	}
	refs := make([]string, 0, len(ni.References))
	for _, r := range ni.References {
		refs = append(refs, storepath.StoreDir+"/"+r)
	}
	slices.Sort(refs)
	refs = slices.Compact(refs) // Nix keeps references in a set
	return "1;" + ni.StorePath + ";" + h.String() + ";" + strconv.FormatUint(ni.NarSize, 10) + ";" +
		strings.Join(refs, ","), nil
}

// Sign adds k's signature over the fingerprint. Ed25519 is deterministic, so if that very
// signature is already there it isn't added twice.
func (ni *NarInfo) Sign(k SecretKey) error {
	fp, err := ni.Fingerprint()
	if err != nil {
		return fmt.Errorf("signing narinfo: %w", err)
	}
	sig := k.signDetached(fp)
	if !slices.Contains(ni.Sigs, sig) {
		ni.Sigs = append(ni.Sigs, sig)
	}
	return nil
}

// Verify checks that at least one signature is valid and made by a trusted key.
//
// As in Nix, a signature is matched to a trusted key by its name. When none verifies,
// the error is ErrBadSignature if some signature carries a trusted key's name (the
// narinfo was altered, or another key took that name), else ErrUntrustedKey; a narinfo
// without signatures is ErrUnsigned. Errors are wrapped with details.
func (ni *NarInfo) Verify(trusted []PublicKey) error {
	if len(ni.Sigs) == 0 {
		return fmt.Errorf("%w: %s", ErrUnsigned, ni.StorePath)
	}
	fp, err := ni.Fingerprint()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	var names, bad []string
	for _, sig := range ni.Sigs {
		name, b64, _ := strings.Cut(sig, ":")
		names = append(names, strconv.Quote(name))
		matched := false
		for _, k := range trusted {
			if k.Name != name {
				continue
			}
			matched = true
			raw, err := base64.StdEncoding.DecodeString(b64)
			if err == nil && len(raw) == ed25519.SignatureSize && len(k.Key) == ed25519.PublicKeySize &&
				ed25519.Verify(k.Key, []byte(fp), raw) {
				return nil
			}
		}
		if matched {
			bad = append(bad, strconv.Quote(name))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("%w: %s: signature by trusted key %s does not match (fingerprint %q)",
			ErrBadSignature, ni.StorePath, strings.Join(bad, ", "), fp)
	}
	return fmt.Errorf("%w: %s is signed by %s only", ErrUntrustedKey, ni.StorePath, strings.Join(names, ", "))
}
