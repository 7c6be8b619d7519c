// Package cache is a client for Nix binary caches (http://, https:// and file://).
//
// It reads narinfo files, checks their Ed25519 signatures against trusted keys the way
// Nix does, answers "which of these store paths can be substituted?" and downloads NARs,
// verifying their hashes before handing any byte to the caller. It is written against
// the cache format of Nix 2.8 (narinfo hashes as sha256:<nix-base32>) and accepts the
// other hash spellings Nix accepts (base16, base64, SRI).
//
// The package never reads the environment and logs only to a logger it is given.
package cache
