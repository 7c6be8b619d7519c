// Package flakes holds kiln's Nix recipes and toolchains. They are embedded into the kiln
// binary and copied, unchanged, next to every flake kiln generates, so a generated flake dir
// is self-contained and its recipe files are part of its hash.
package flakes

import "embed"

// FS holds the recipe tree: recipes/ (one build script per package, shared by every
// toolchain, and the derivation around it), toolchains/ (host, nixpkgs) and lib/.
//
//go:embed recipes toolchains lib
var FS embed.FS
