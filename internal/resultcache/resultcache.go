// Package resultcache remembers what a finished build produced, under a key that covers
// everything the build depends on, so an unchanged build can skip Nix entirely. Entries
// are authenticated: each carries an HMAC-SHA256 under a secret kept outside the cache
// directory, so an entry edited or planted by anyone who can write the cache (a restored CI
// cache, a shared directory) is refused rather than shipped.
package resultcache

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/kilnbuild/kiln/internal/files"
)

// Entry is one remembered build.
type Entry struct {
	Key        string            `json:"key"`
	Digest     string            `json:"digest"`
	NixVersion string            `json:"nix_version"`
	Outputs    []string          `json:"outputs"`
	Closure    []string          `json:"closure"`
	NarHashes  map[string]string `json:"nar_hashes"`
	DrvPaths   []string          `json:"drv_paths"`
}

// Key digests the parts a build depends on into one key. Parts are length-prefixed, so no
// two part lists share a key.
func Key(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:%s;", len(p), p)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// ErrTampered is an entry whose MAC does not match: it was not written by this user's kiln.
var ErrTampered = errors.New("result cache entry is not authentic (its MAC does not match)")

// Cache is a directory of entries, one JSON file per key.
type Cache struct {
	dir    string
	secret []byte
}

// New returns the cache in dir, authenticating entries with secret (at least 32 bytes).
func New(dir string, secret []byte) (*Cache, error) {
	if len(secret) < 32 {
		return nil, errors.New("result cache: the secret must be at least 32 bytes")
	}
	return &Cache{dir: dir, secret: secret}, nil
}

// Dir is the cache directory.
func (c *Cache) Dir() string { return c.dir }

// LoadSecret reads the secret at path, creating it (32 random bytes, hex, mode 0600, in a
// 0700 directory) when it does not exist. Runs that start at once agree on one secret: the
// file is created, never replaced, and a run that finds another's there reads that one.
func LoadSecret(path string) ([]byte, error) {
	secret, err := readSecret(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return secret, err
	}
	secret = make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("writing result cache secret: %w", err)
	}
	err = files.WriteNew(path, []byte(hex.EncodeToString(secret)+"\n"), 0o600)
	if errors.Is(err, fs.ErrExist) {
		return readSecret(path)
	}
	if err != nil {
		return nil, fmt.Errorf("writing result cache secret: %w", err)
	}
	return secret, nil
}

// readSecret reads an existing secret; a missing one is fs.ErrNotExist, unwrapped.
func readSecret(path string) ([]byte, error) {
	data, err := files.ReadFile(path, 4096)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("reading result cache secret: %w", err)
	}
	secret, err := hex.DecodeString(strings.TrimSpace(string(data)))
	if err != nil || len(secret) < 32 {
		return nil, fmt.Errorf("reading result cache secret %s: not 64 or more hex digits (remove it and kiln makes a new one)", path)
	}
	return secret, nil
}

// stored is an entry as written: the entry and its MAC.
type stored struct {
	Entry json.RawMessage `json:"entry"`
	MAC   string          `json:"mac"`
}

var keyRE = regexp.MustCompile(`^[0-9a-f]{64}$`)

// maxEntry bounds what Get reads: an entry lists a few store paths.
const maxEntry = 4 << 20

// Get returns the entry stored under key; found is false when there is none. An entry
// that is corrupt or for another key is not found (it will be overwritten); one whose MAC
// does not match is ErrTampered.
func (c *Cache) Get(key string) (e *Entry, found bool, err error) {
	if !keyRE.MatchString(key) {
		return nil, false, fmt.Errorf("result cache: bad key %q", key)
	}
	data, err := files.ReadFile(filepath.Join(c.dir, key+".json"), maxEntry)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("reading result cache: %w", err)
	}
	var st stored
	if err := json.Unmarshal(data, &st); err != nil || len(st.Entry) == 0 {
		return nil, false, nil
	}
	// The file is indented; the MAC is over the entry's compact form.
	var body bytes.Buffer
	if err := json.Compact(&body, st.Entry); err != nil {
		return nil, false, nil
	}
	want, err := hex.DecodeString(st.MAC)
	if err != nil || !hmac.Equal(want, c.mac(body.Bytes())) {
		return nil, false, fmt.Errorf("%s: %w", filepath.Join(c.dir, key+".json"), ErrTampered)
	}
	var out Entry
	if err := json.Unmarshal(st.Entry, &out); err != nil || out.Key != key || out.Digest == "" || len(out.Outputs) == 0 {
		return nil, false, nil
	}
	return &out, true, nil
}

// Put stores e under its key, atomically.
func (c *Cache) Put(e *Entry) error {
	if !keyRE.MatchString(e.Key) {
		return fmt.Errorf("result cache: bad key %q", e.Key)
	}
	body, err := json.Marshal(e)
	if err != nil {
		return err
	}
	data, err := json.MarshalIndent(stored{Entry: body, MAC: hex.EncodeToString(c.mac(body))}, "", "  ")
	if err != nil {
		return err
	}
	return files.WriteFile(filepath.Join(c.dir, e.Key+".json"), data, 0o644)
}

func (c *Cache) mac(body []byte) []byte {
	m := hmac.New(sha256.New, c.secret)
	m.Write(body)
	return m.Sum(nil)
}
