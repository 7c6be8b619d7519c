package cache

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNarInfoNixVersions reads the binary caches real Nix versions wrote (`nix copy --to
// file://…?compression=zstd&secret-key=…`, captured under ../orchestrator/nix/testdata by
// capture.sh): every narinfo parses, passes Check, is signed by the captured key, round-trips
// through String, and its NarHash is the one `nix path-info --json` reported.
func TestNarInfoNixVersions(t *testing.T) {
	dirs, _ := filepath.Glob("../orchestrator/nix/testdata/nix-*")
	if len(dirs) < 2 {
		t.Fatalf("want captures of at least two Nix versions, found %v", dirs)
	}
	for _, d := range dirs {
		key, err := os.ReadFile(filepath.Join(d, "key-generate.out"))
		if err != nil {
			t.Fatal(err)
		}
		pub, err := ParsePublicKey(strings.TrimSpace(string(key)))
		if err != nil {
			t.Fatalf("%s: nix's public key: %v", d, err)
		}
		info, err := os.ReadFile(filepath.Join(d, "cache", "nix-cache-info"))
		if err != nil || !strings.Contains(string(info), "StoreDir: /nix/store") {
			t.Errorf("%s: nix-cache-info %q, %v", d, info, err)
		}
		files, _ := filepath.Glob(filepath.Join(d, "cache", "*.narinfo"))
		if len(files) != 2 {
			t.Fatalf("%s: %d narinfos, want 2", d, len(files))
		}
		narHash := pathInfoNarHashes(t, filepath.Join(d, "path-info-cache.out"))
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			ni, err := Parse(strings.NewReader(string(data)))
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if err := ni.Check(); err != nil {
				t.Errorf("%s: Check: %v", f, err)
			}
			if err := ni.Verify([]PublicKey{pub}); err != nil {
				t.Errorf("%s: nix's signature does not verify: %v", f, err)
			}
			if ni.String() != string(data) {
				t.Errorf("%s: String() does not round-trip:\n%s\nwant\n%s", f, ni.String(), data)
			}
			if ni.Compression != "zstd" || !strings.HasSuffix(ni.URL, ".nar.zst") {
				t.Errorf("%s: compression %q, URL %q", f, ni.Compression, ni.URL)
			}
			if want, ok := narHash[ni.StorePath]; ok {
				a, errA := ParseHash(ni.NarHash)
				b, errB := ParseHash(want)
				if errA != nil || errB != nil || !a.Equal(b) {
					t.Errorf("%s: NarHash %s, nix path-info said %s", f, ni.NarHash, want)
				}
			}
		}
	}
}

// pathInfoNarHashes reads the narHash per path of `nix path-info --json` in either shape
// (array up to Nix 2.18, object keyed by path since 2.19).
func pathInfoNarHashes(t *testing.T, file string) map[string]string {
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	var list []struct{ Path, NarHash string }
	if json.Unmarshal(data, &list) == nil {
		for _, e := range list {
			out[e.Path] = e.NarHash
		}
		return out
	}
	var byPath map[string]struct{ NarHash string }
	if err := json.Unmarshal(data, &byPath); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	for p, e := range byPath {
		out[p] = e.NarHash
	}
	if len(out) == 0 {
		t.Fatalf("%s: no path", file)
	}
	return out
}
