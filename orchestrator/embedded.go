package orchestrator

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/kilnbuild/kiln/nixgen/spec"
)

// EmbeddedSpecName is how errors name a spec read from an image's provenance.
const EmbeddedSpecName = "embedded spec"

// EmbeddedSpec turns the canonical spec a provenance embeds back into a spec kiln builds,
// with the local files it names written under dir: each local patch and the pinned profile
// from patches (content by sha256 hex, as the provenance carries them), each image file with a source from
// imageFile (the published image's own copy), both checked against the hashes the
// canonical spec pins. The spec must validate and hash to wantDigest.
func EmbeddedSpec(canonical []byte, wantDigest string, patches map[string][]byte, imageFile func(path string) ([]byte, error), dir string) (*spec.Spec, error) {
	canon := canonicalSpec{Spec: &spec.Spec{}}
	dec := json.NewDecoder(bytes.NewReader(canonical))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&canon); err != nil {
		return nil, fmt.Errorf("%s: not a kiln canonical spec: %w", EmbeddedSpecName, err)
	}
	s := canon.Spec
	if len(canon.FileHashes) != len(s.Image.Files) {
		return nil, fmt.Errorf("%s: %d file hashes for %d files", EmbeddedSpecName, len(canon.FileHashes), len(s.Image.Files))
	}
	put := func(key, name string, data []byte) error {
		if !filepath.IsLocal(name) {
			return fmt.Errorf("%s: %s %q is not a path inside the spec's directory: it cannot be rebuilt from the image alone", EmbeddedSpecName, key, name)
		}
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		return os.WriteFile(p, data, 0o644)
	}
	for _, set := range s.PatchSets() {
		hashes := canon.PatchHashes
		if set.Library != "" {
			hashes = canon.LibraryPatchHashes[set.Library]
		}
		if len(hashes) != len(set.Patches) {
			return nil, fmt.Errorf("%s: %d patch hashes for %d %s", EmbeddedSpecName, len(hashes), len(set.Patches), set.Key)
		}
		for i, p := range set.Patches {
			if p.File == "" {
				continue
			}
			data, ok := patches[hashes[i]]
			if !ok {
				return nil, fmt.Errorf("%s: %s[%d] %s (sha256 %s) is not carried by the provenance", EmbeddedSpecName, set.Key, i, p.File, hashes[i])
			}
			if err := put(fmt.Sprintf("%s[%d].file", set.Key, i), p.File, data); err != nil {
				return nil, err
			}
		}
	}
	if pr := s.Build.Profile; pr != nil {
		// The canonical spec names the profile by sha256 alone; the provenance carries it.
		data, ok := patches[pr.SHA256]
		if !ok {
			return nil, fmt.Errorf("%s: build.profile (sha256 %s) is not carried by the provenance", EmbeddedSpecName, pr.SHA256)
		}
		pr.File = "profile.tar.gz"
		if err := put("build.profile.file", pr.File, data); err != nil {
			return nil, err
		}
	}
	ca := s.Image.CABundle
	for i, f := range s.Image.Files {
		if f.Source == "" || (ca != nil && i == len(s.Image.Files)-1 && f.Path == ca.Path) {
			continue // inline content; the CA bundle is read from its pinned absolute path
		}
		data, err := imageFile(f.Path)
		if err != nil {
			return nil, fmt.Errorf("%s: image.files[%d] %s: %w", EmbeddedSpecName, i, f.Path, err)
		}
		sum := sha256.Sum256(data)
		if got := hex.EncodeToString(sum[:]); got != canon.FileHashes[i].SHA256 {
			return nil, fmt.Errorf("%s: image.files[%d] %s in the image has sha256 %s, the spec pins %s", EmbeddedSpecName, i, f.Path, got, canon.FileHashes[i].SHA256)
		}
		if err := put(fmt.Sprintf("image.files[%d].source", i), f.Source, data); err != nil {
			return nil, err
		}
	}
	s.Rebase(EmbeddedSpecName, dir)
	if err := s.Validate(); err != nil {
		return nil, err
	}
	got, err := SpecDigest(s)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", EmbeddedSpecName, err)
	}
	if got != wantDigest {
		return nil, fmt.Errorf("%s hashes to %s, but the provenance says %s: it was not made by this kiln's spec format, or it was altered", EmbeddedSpecName, got, wantDigest)
	}
	return s, nil
}
