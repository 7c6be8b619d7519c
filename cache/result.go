package cache

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Result is what a finished build produced, remembered under a key that covers everything
// the build depends on, so an unchanged build can skip Nix entirely.
type Result struct {
	Key       string            `json:"key"`
	Digest    string            `json:"digest"`
	Outputs   []string          `json:"outputs"`
	Closure   []string          `json:"closure"`
	NarHashes map[string]string `json:"nar_hashes"`
	DrvPaths  []string          `json:"drv_paths"`
}

// ResultKey digests the parts a build depends on (canonical spec, recipe files, kiln
// version, nix identity, toolchain identity, packaging options) into one key. Parts are
// length-prefixed, so no two part lists share a key.
func ResultKey(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:%s;", len(p), p)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Results is a directory of Results, one JSON file per key.
type Results struct{ Dir string }

var keyRE = regexp.MustCompile(`^[0-9a-f]{64}$`)

// Get returns the Result stored under key; found is false when there is none. A corrupt
// entry is reported as not found (and will be overwritten), never as a build result.
func (r Results) Get(key string) (res *Result, found bool, err error) {
	if !keyRE.MatchString(key) {
		return nil, false, fmt.Errorf("result cache: bad key %q", key)
	}
	data, err := os.ReadFile(filepath.Join(r.Dir, key+".json"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("reading result cache: %w", err)
	}
	var out Result
	if err := json.Unmarshal(data, &out); err != nil || out.Key != key || out.Digest == "" || len(out.Outputs) == 0 {
		return nil, false, nil
	}
	for _, p := range append(append([]string(nil), out.Outputs...), out.Closure...) {
		if !strings.HasPrefix(p, StoreDir+"/") || strings.Contains(p, "..") {
			return nil, false, nil
		}
	}
	return &out, true, nil
}

// Put stores res under its key, written to a temporary file and renamed, so a reader never
// sees half an entry.
func (r Results) Put(res *Result) error {
	if !keyRE.MatchString(res.Key) {
		return fmt.Errorf("result cache: bad key %q", res.Key)
	}
	if err := os.MkdirAll(r.Dir, 0o755); err != nil {
		return fmt.Errorf("writing result cache: %w", err)
	}
	data, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(r.Dir, "."+res.Key+".tmp-")
	if err != nil {
		return fmt.Errorf("writing result cache: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("writing result cache: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing result cache: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(r.Dir, res.Key+".json")); err != nil {
		return fmt.Errorf("writing result cache: %w", err)
	}
	return nil
}
