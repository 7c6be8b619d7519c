package cache

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"strings"

	"github.com/kilnbuild/kiln/internal/nixbase32"
)

// Hash is a digest with its algorithm, as found in narinfo FileHash, NarHash and CA fields.
type Hash struct {
	Algo   string // "md5", "sha1", "sha256" or "sha512"
	Digest []byte
}

// hashSizes lists the algorithms Nix knows, with their digest sizes in bytes.
var hashSizes = map[string]int{"md5": 16, "sha1": 20, "sha256": 32, "sha512": 64}

// ParseHash parses "algo:digest", digest in base16, nix-base32 or base64, or SRI "algo-base64".
//
// These are the spellings Nix's Hash::parseAnyPrefixed accepts; which encoding is meant is
// told by the digest's length, as Nix does.
func ParseHash(s string) (Hash, error) {
	if algo, rest, ok := strings.Cut(s, ":"); ok {
		size, known := hashSizes[algo]
		if !known {
			return Hash{}, fmt.Errorf("invalid hash %q: unknown algorithm %q", s, algo)
		}
		var (
			d   []byte
			err error
		)
		switch len(rest) {
		case 2 * size:
			d, err = hex.DecodeString(rest)
		case nixbase32.EncodedLen(size):
			d, err = nixbase32.Decode(rest)
		case base64.StdEncoding.EncodedLen(size):
			d, err = base64.StdEncoding.DecodeString(rest)
		default:
			return Hash{}, fmt.Errorf("invalid hash %q: digest length %d fits no encoding of %s", s, len(rest), algo)
		}
		if err != nil {
			return Hash{}, fmt.Errorf("invalid hash %q: %w", s, err)
		}
		return Hash{Algo: algo, Digest: d}, nil
	}
	if algo, rest, ok := strings.Cut(s, "-"); ok {
		size, known := hashSizes[algo]
		if !known {
			return Hash{}, fmt.Errorf("invalid hash %q: unknown algorithm %q", s, algo)
		}
		d, err := base64.StdEncoding.DecodeString(rest)
		if err != nil {
			return Hash{}, fmt.Errorf("invalid hash %q: %w", s, err)
		}
		if len(d) != size {
			return Hash{}, fmt.Errorf("invalid hash %q: %d bytes, %s has %d", s, len(d), algo, size)
		}
		return Hash{Algo: algo, Digest: d}, nil
	}
	return Hash{}, fmt.Errorf("invalid hash %q: no algorithm prefix", s)
}

// String renders the hash as "algo:<nix-base32>", the form Nix 2.8 writes in narinfos
// and signs in fingerprints.
func (h Hash) String() string {
	return h.Algo + ":" + nixbase32.Encode(h.Digest)
}

// SRI renders the hash as "algo-<base64>", the form newer Nix prints in JSON.
func (h Hash) SRI() string {
	return h.Algo + "-" + base64.StdEncoding.EncodeToString(h.Digest)
}

// Equal reports whether both hashes have the same algorithm and digest.
func (h Hash) Equal(o Hash) bool {
	return h.Algo == o.Algo && bytes.Equal(h.Digest, o.Digest)
}

// newHasher returns a fresh hash.Hash for the algorithm.
func newHasher(algo string) (hash.Hash, error) {
	switch algo {
	case "md5":
		return md5.New(), nil
	case "sha1":
		return sha1.New(), nil
	case "sha256":
		return sha256.New(), nil
	case "sha512":
		return sha512.New(), nil
	}
	return nil, fmt.Errorf("unsupported hash algorithm %q", algo)
}
