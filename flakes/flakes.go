// Package flakes holds kiln's Nix recipes and toolchains. They are embedded into the kiln
// binary and copied, unchanged, next to every flake kiln generates, so a generated flake dir
// is self-contained and its recipe files are part of its hash.
package flakes

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
)

// FS holds the recipe tree: recipes/ (one build script per package, shared by every
// toolchain, and the derivation around it), toolchains/ (pinned, nixpkgs) and lib/.
//
//go:embed recipes toolchains lib
var FS embed.FS

// Digest is the sha256 of every recipe file (path and content, in path order): part of the
// result cache key, so a changed recipe is never mistaken for an unchanged build.
func Digest() string {
	h := sha256.New()
	fs.WalkDir(FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(FS, p)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", p, len(data))
		h.Write(data)
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))
}
