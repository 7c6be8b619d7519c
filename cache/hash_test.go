package cache

import (
	"encoding/hex"
	"testing"
)

func TestParseHash(t *testing.T) {
	const b32 = "1xrln8mi8j6sqmwf4fjp009g1ngd7892r5w2j3wgccwjpd01ia8q"
	const hexd = "18a91840bb9233f6f89082972c123aedd9f01200573ae278c5da48142bb234f7"
	// Every spelling Nix accepts parses to the same hash (SRI as printed by `nix hash to-sri`).
	for _, s := range []string{
		"sha256:" + b32,
		"sha256:" + hexd,
		"sha256:GKkYQLuSM/b4kIKXLBI67dnwEgBXOuJ4xdpIFCuyNPc=",
		"sha256-GKkYQLuSM/b4kIKXLBI67dnwEgBXOuJ4xdpIFCuyNPc=",
	} {
		h, err := ParseHash(s)
		if err != nil {
			t.Fatalf("ParseHash(%q): %v", s, err)
		}
		if h.String() != "sha256:"+b32 || hex.EncodeToString(h.Digest) != hexd {
			t.Errorf("ParseHash(%q) = %s", s, h)
		}
		if h.SRI() != "sha256-GKkYQLuSM/b4kIKXLBI67dnwEgBXOuJ4xdpIFCuyNPc=" {
			t.Errorf("SRI = %s", h.SRI())
		}
	}
	for _, s := range []string{
		"", b32, "sha257:" + b32, "sha256:" + b32[1:], "sha256:" + hexd[:63] + "g",
		"sha256-GKkYQLuSM/b4kIKXLBI67dnwEgBXOuJ4xdpIFCuyNP==", "md5-GKkYQLuSM/b4kIKXLBI67dnwEgBXOuJ4xdpIFCuyNPc=",
	} {
		if h, err := ParseHash(s); err == nil {
			t.Errorf("ParseHash(%q) = %v, want error", s, h)
		}
	}
}
