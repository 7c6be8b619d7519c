# A pinned source: a fixed-output fetch (url + sha256) or a file shipped in the flake dir
# (already content-addressed by the flake's own hash). Needs no nixpkgs.
src:
if src ? path then src.path
else import <nix/fetchurl.nix> { inherit (src) url sha256; }
