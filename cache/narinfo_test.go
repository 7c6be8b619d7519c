package cache

import (
	"errors"
	"strings"
	"testing"
)

// Narinfos written by Nix 2.8 (`nix copy --to file://…?secret-key=…`) with the key below.
// Note "References: " with a trailing space when there are none: Nix writes it so.
const (
	niDrvOutput = `StorePath: /nix/store/036wc2d6ybn57qprciif30cnp2k28mc4-d
URL: nar/1xrln8mi8j6sqmwf4fjp009g1ngd7892r5w2j3wgccwjpd01ia8q.nar
Compression: none
FileHash: sha256:1xrln8mi8j6sqmwf4fjp009g1ngd7892r5w2j3wgccwjpd01ia8q
FileSize: 208
NarHash: sha256:1xrln8mi8j6sqmwf4fjp009g1ngd7892r5w2j3wgccwjpd01ia8q
NarSize: 208
References: 036wc2d6ybn57qprciif30cnp2k28mc4-d b0zfngdjckps7p3dds5l8yi4hdsq4ncx-f.txt
Deriver: nr3a6rj6qjykl1f0h6p3ga7fmcq7scdd-d.drv
Sig: test-1:SlgcGyqOQZ3uxSISkZSMW7eeFaoCQwycv1dQl3/qHTEAhjMUKKF+Dwt86Ulyw4/iN3P+tgy0fLJim5bKDfaVDQ==
`
	niAddedFile = `StorePath: /nix/store/b0zfngdjckps7p3dds5l8yi4hdsq4ncx-f.txt
URL: nar/1qhfjsbjzih6ci8kfak3xj911hzn0ri85jwy2slr0jh6izkzladn.nar.zst
Compression: zstd
FileHash: sha256:1qhfjsbjzih6ci8kfak3xj911hzn0ri85jwy2slr0jh6izkzladn
FileSize: 100
NarHash: sha256:1ph46hv1zyzmxqv8wdb5n22025y2xlqgdh6w2fdqs6fy4jzf2sxj
NarSize: 128
References: 
Sig: test-1:u/oQdX0Iv2eSloeV7SIthk0EQdPIuyt1wJEylhTM63jHttFnP4uQmrNT3l0gEje+2O5rIyLBnvMOp+pLVTnmDA==
CA: fixed:sha256:13jm0yndnp3bsjl562cmia4fq75651brzlplqy4v0alyy8hzamsw
`
	niToFile = `StorePath: /nix/store/s04cp8wxbi3y3j365js72h7q8pps4gjl-ref
URL: nar/077rz6q978vx0i1zlzslq0z83ck5q2lcpdpmfw8pikjn8vw9clx5.nar
Compression: none
FileHash: sha256:077rz6q978vx0i1zlzslq0z83ck5q2lcpdpmfw8pikjn8vw9clx5
FileSize: 168
NarHash: sha256:077rz6q978vx0i1zlzslq0z83ck5q2lcpdpmfw8pikjn8vw9clx5
NarSize: 168
References: b0zfngdjckps7p3dds5l8yi4hdsq4ncx-f.txt
Sig: test-1:pPd5mm1IgDRtm30ul0jKLUyhFQF5xK2/rPvR4H4PvwdVz572qJTivcB0fop9cPfqEHcy0wxY+orWaxy7Ks9RDA==
CA: text:sha256:1dz9q5zmk24lpsv9wkdkwdxp059hvk67mxm0c1s6ll6zisic1jjg
`
)

func mustParse(t *testing.T, s string) *NarInfo {
	t.Helper()
	ni, err := Parse(strings.NewReader(s))
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, s)
	}
	return ni
}

func TestParseFields(t *testing.T) {
	ni := mustParse(t, niDrvOutput)
	if ni.StorePath != "/nix/store/036wc2d6ybn57qprciif30cnp2k28mc4-d" || ni.NarSize != 208 || ni.FileSize != 208 ||
		ni.Compression != "none" || ni.Deriver != "nr3a6rj6qjykl1f0h6p3ga7fmcq7scdd-d.drv" || len(ni.Sigs) != 1 ||
		len(ni.References) != 2 || ni.References[1] != "b0zfngdjckps7p3dds5l8yi4hdsq4ncx-f.txt" || ni.CA != "" {
		t.Errorf("parsed %+v", ni)
	}
	if ni := mustParse(t, niAddedFile); len(ni.References) != 0 || ni.CA == "" || ni.Deriver != "" {
		t.Errorf("parsed %+v", ni)
	}
}

func TestRoundTripFixed(t *testing.T) {
	for _, s := range []string{niDrvOutput, niAddedFile, niToFile} {
		ni := mustParse(t, s)
		if got := ni.String(); got != s {
			t.Errorf("String() differs:\n got %q\nwant %q", got, s)
		}
		if err := ni.Check(); err != nil {
			t.Errorf("Check: %v", err)
		}
	}
}

func TestParseKeepsUnknownKeys(t *testing.T) {
	// Nix ignores keys it doesn't know; keeping them means String loses nothing.
	s := niToFile + "X-Kiln: something: with colons\nFoo: \n"
	ni := mustParse(t, s)
	if len(ni.Extra) != 2 || ni.Extra[0] != (Field{"X-Kiln", "something: with colons"}) || ni.Extra[1] != (Field{"Foo", ""}) {
		t.Fatalf("Extra = %+v", ni.Extra)
	}
	if ni.String() != s {
		t.Errorf("String() = %q", ni.String())
	}
	// Unknown keys are outside the fingerprint, so the signature still holds.
	if err := ni.Verify([]PublicKey{testPub(t)}); err != nil {
		t.Errorf("Verify: %v", err)
	}
}

func TestParseTolerates(t *testing.T) {
	// No final newline, "Key:" without a value, the old unknown-deriver placeholder and
	// a System line (written by old Nix) are all accepted.
	ni := mustParse(t, "StorePath: /nix/store/b0zfngdjckps7p3dds5l8yi4hdsq4ncx-f.txt\nReferences:\nDeriver: unknown-deriver\nSystem: x86_64-linux\nNarSize: 1")
	if ni.Deriver != "" || len(ni.References) != 0 || ni.System != "x86_64-linux" || ni.NarSize != 1 {
		t.Errorf("parsed %+v", ni)
	}
	if ni, err := Parse(strings.NewReader("")); err != nil || ni.StorePath != "" {
		t.Errorf("Parse(\"\") = %+v, %v", ni, err)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		in   string
		line int
		msg  string
	}{
		{"StorePath /nix/store/x\n", 1, "missing ':'"},
		{"StorePath: /nix/store/x\nURL:nar/x.nar\n", 2, "missing space"},
		{"StorePath: /nix/store/x\nURL: u\nNarSize: 12a\n", 3, "NarSize"},
		{"FileSize: -1\n", 1, "FileSize"},
		{"NarSize: 99999999999999999999999\n", 1, "NarSize"},
		{"StorePath: a\nURL: u\n\nNarSize: 1\n", 3, "empty line"},
		{"StorePath: a\nURL: u\nNarHash: x\nNarHash: y\n", 4, `duplicate key "NarHash" (first on line 3)`},
		{"StorePath: a\nStorePath: b\n", 2, "duplicate"},
		{"Nar Hash: x\n", 1, "invalid key"},
		{": x\n", 1, "invalid key"},
		{niToFile + "\n", 11, "empty line"},
	} {
		_, err := Parse(strings.NewReader(tc.in))
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("Parse(%q) = %v, want *ParseError", tc.in, err)
			continue
		}
		if pe.Line != tc.line || !strings.Contains(pe.Error(), tc.msg) {
			t.Errorf("Parse(%q) = %q (line %d), want line %d containing %q", tc.in, pe, pe.Line, tc.line, tc.msg)
		}
	}
	// Several signatures and repeated unknown keys are not duplicates.
	if _, err := Parse(strings.NewReader(niToFile + "Sig: a:b\nX: 1\nX: 2\n")); err != nil {
		t.Errorf("Parse: %v", err)
	}
}

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*NarInfo)
		want   string
	}{
		{"path outside store", func(n *NarInfo) { n.StorePath = "/tmp/store/036wc2d6ybn57qprciif30cnp2k28mc4-d" }, "StorePath"},
		{"short hash", func(n *NarInfo) { n.StorePath = "/nix/store/036wc2d6ybn57qprciif30cnp2k28mc-d" }, "StorePath"},
		{"hash not nix-base32", func(n *NarInfo) { n.StorePath = "/nix/store/e36wc2d6ybn57qprciif30cnp2k28mc4-d" }, "not nix-base32"},
		{"no name", func(n *NarInfo) { n.StorePath = "/nix/store/036wc2d6ybn57qprciif30cnp2k28mc4-" }, "StorePath"},
		{"bad name char", func(n *NarInfo) { n.StorePath = "/nix/store/036wc2d6ybn57qprciif30cnp2k28mc4-a b" }, "not allowed"},
		{"long name", func(n *NarInfo) {
			n.StorePath = "/nix/store/036wc2d6ybn57qprciif30cnp2k28mc4-" + strings.Repeat("a", 212)
		}, "longer"},
		{"no URL", func(n *NarInfo) { n.URL = "" }, "URL"},
		{"no NarHash", func(n *NarInfo) { n.NarHash = "" }, "NarHash: missing"},
		{"bad NarHash", func(n *NarInfo) { n.NarHash = "sha256:xyz" }, "NarHash"},
		{"bad FileHash", func(n *NarInfo) { n.FileHash = "sha256-!!" }, "FileHash"},
		{"zero NarSize", func(n *NarInfo) { n.NarSize = 0 }, "NarSize"},
		{"zero FileSize", func(n *NarInfo) { n.FileSize = 0 }, "FileSize"},
		{"bad reference", func(n *NarInfo) {
			n.References = append(n.References, "/nix/store/b0zfngdjckps7p3dds5l8yi4hdsq4ncx-f.txt")
		}, "References"},
		{"bad deriver", func(n *NarInfo) { n.Deriver = "d.drv" }, "Deriver"},
		{"bad CA", func(n *NarInfo) { n.CA = "sha256:13jm0yndnp3bsjl562cmia4fq75651brzlplqy4v0alyy8hzamsw" }, "CA"},
		{"bad CA hash", func(n *NarInfo) { n.CA = "fixed:r:sha256:13jm" }, "CA"},
	} {
		ni := mustParse(t, niDrvOutput)
		tc.mutate(ni)
		err := ni.Check()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Check() = %v, want error mentioning %q", tc.name, err, tc.want)
		}
	}
	// Hash spellings other than Nix 2.8's are valid too.
	ni := mustParse(t, niDrvOutput)
	ni.NarHash = "sha256-GKkYQLuSM/b4kIKXLBI67dnwEgBXOuJ4xdpIFCuyNPc="
	ni.CA = "fixed:r:sha256:18a91840bb9233f6f89082972c123aedd9f01200573ae278c5da48142bb234f7"
	if err := ni.Check(); err != nil {
		t.Errorf("Check: %v", err)
	}
}

// FuzzNarInfo: any narinfo text parses without a panic, and one that parses and checks
// prints back to text that parses to the same fields.
func FuzzNarInfo(f *testing.F) {
	f.Add("StorePath: /nix/store/0c4a5nm7a3bbl8dnlh2dn0cb2mcqk3ka-app-1.0\nURL: nar/x.nar.xz\nCompression: xz\nNarHash: sha256:1xrln8mi8j6sqmwf4fjp009g1ngd7892r5w2j3wgccwjpd01ia8q\nNarSize: 120\nReferences: \n")
	f.Add("StorePath: /nix/store/x\nNarSize: -1\n")
	f.Fuzz(func(t *testing.T, text string) {
		ni, err := Parse(strings.NewReader(text))
		if err != nil || ni.Check() != nil {
			return
		}
		again, err := Parse(strings.NewReader(ni.String()))
		if err != nil || again.String() != ni.String() {
			t.Fatalf("round trip: %v\n%s\n---\n%v", err, ni.String(), again)
		}
	})
}
