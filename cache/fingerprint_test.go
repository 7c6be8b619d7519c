package cache

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// The key that signed the narinfos in narinfo_test.go, made by `nix key generate-secret
// --key-name test-1`; the public key is what `nix key convert-secret-to-public` printed.
const (
	testSecretKey = "test-1:w0R6HuPtr3C5mjnVtiHigE2RwrUoAF30bKboBRsDts9eXZj4t6QRiG7E5gQEn+MVFWwZzlqBOTjbJr/oF+TzuQ=="
	testPublicKey = "test-1:Xl2Y+LekEYhuxOYEBJ/jFRVsGc5agTk42ya/6Bfk87k="
)

func testPub(t *testing.T) PublicKey {
	t.Helper()
	k, err := ParsePublicKey(testPublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func testSec(t *testing.T) SecretKey {
	t.Helper()
	k, err := ParseSecretKey(testSecretKey)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestFingerprint(t *testing.T) {
	ni := mustParse(t, niDrvOutput)
	fp, err := ni.Fingerprint()
	if err != nil {
		t.Fatal(err)
	}
	const want = "1;/nix/store/036wc2d6ybn57qprciif30cnp2k28mc4-d;sha256:1xrln8mi8j6sqmwf4fjp009g1ngd7892r5w2j3wgccwjpd01ia8q;208;" +
		"/nix/store/036wc2d6ybn57qprciif30cnp2k28mc4-d,/nix/store/b0zfngdjckps7p3dds5l8yi4hdsq4ncx-f.txt"
	if fp != want {
		t.Errorf("Fingerprint =\n %s\nwant\n %s", fp, want)
	}
	// Nix signs its parsed form: another hash spelling or order of references gives the
	// same fingerprint.
	ni.NarHash = "sha256-GKkYQLuSM/b4kIKXLBI67dnwEgBXOuJ4xdpIFCuyNPc="
	slices.Reverse(ni.References)
	if fp2, _ := ni.Fingerprint(); fp2 != want {
		t.Errorf("normalised Fingerprint = %s", fp2)
	}
	if fp, _ := mustParse(t, niAddedFile).Fingerprint(); !strings.HasSuffix(fp, ";128;") {
		t.Errorf("no references: %s", fp)
	}
	ni.NarSize = 0
	if _, err := ni.Fingerprint(); err == nil {
		t.Error("Fingerprint with NarSize 0 succeeded")
	}
}

// TestSignMatchesNix: Ed25519 is deterministic, so signing what Nix signed with the same
// key must give Nix's signature byte for byte.
func TestSignMatchesNix(t *testing.T) {
	sk := testSec(t)
	for _, s := range []string{niDrvOutput, niAddedFile, niToFile} {
		ni := mustParse(t, s)
		nixSig := ni.Sigs[0]
		ni.Sigs = nil
		if err := ni.Sign(sk); err != nil {
			t.Fatal(err)
		}
		if len(ni.Sigs) != 1 || ni.Sigs[0] != nixSig {
			t.Errorf("%s: Sign gave %q, nix wrote %q", ni.StorePath, ni.Sigs, nixSig)
		}
		if ni.String() != s {
			t.Errorf("re-signed narinfo differs from nix's")
		}
		if err := ni.Sign(sk); err != nil || len(ni.Sigs) != 1 {
			t.Errorf("signing twice: %v, %d sigs", err, len(ni.Sigs))
		}
	}
}

func TestVerify(t *testing.T) {
	pub := testPub(t)
	other, _ := ParsePublicKey("other-1:" + strings.TrimPrefix(testPublicKey, "test-1:"))
	_, impostorText, _ := GenerateKey("test-1")
	impostor, _ := ParsePublicKey(impostorText)

	for _, s := range []string{niDrvOutput, niAddedFile, niToFile} {
		if err := mustParse(t, s).Verify([]PublicKey{impostor, pub}); err != nil {
			t.Errorf("Verify: %v", err)
		}
	}
	for _, tc := range []struct {
		name    string
		mutate  func(*NarInfo)
		trusted []PublicKey
		want    error
	}{
		{"unsigned", func(n *NarInfo) { n.Sigs = nil }, []PublicKey{pub}, ErrUnsigned},
		{"no trusted keys", nil, nil, ErrUntrustedKey},
		{"other key name", nil, []PublicKey{other}, ErrUntrustedKey},
		{"same name, other key", nil, []PublicKey{impostor}, ErrBadSignature},
		{"tampered NarHash", func(n *NarInfo) { n.NarHash = "sha256:0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73" }, []PublicKey{pub}, ErrBadSignature},
		{"tampered NarSize", func(n *NarInfo) { n.NarSize++ }, []PublicKey{pub}, ErrBadSignature},
		{"dropped reference", func(n *NarInfo) { n.References = n.References[1:] }, []PublicKey{pub}, ErrBadSignature},
		{"renamed path", func(n *NarInfo) { n.StorePath += "x" }, []PublicKey{pub}, ErrBadSignature},
		{"garbage signature", func(n *NarInfo) { n.Sigs = []string{"test-1:AAAA"} }, []PublicKey{pub}, ErrBadSignature},
		{"signature without name", func(n *NarInfo) { n.Sigs = []string{"garbage"} }, []PublicKey{pub}, ErrUntrustedKey},
	} {
		ni := mustParse(t, niDrvOutput)
		if tc.mutate != nil {
			tc.mutate(ni)
		}
		err := ni.Verify(tc.trusted)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: Verify = %v, want %v", tc.name, err, tc.want)
		}
	}
	// Outside the fingerprint: URL, compression and FileHash can change without
	// invalidating the signature, which is why FetchNAR checks NarHash itself.
	ni := mustParse(t, niDrvOutput)
	ni.URL, ni.Compression, ni.FileHash = "nar/x.nar.xz", "xz", "sha256:0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73"
	if err := ni.Verify([]PublicKey{pub}); err != nil {
		t.Errorf("Verify after changing unsigned fields: %v", err)
	}
}

func TestKeys(t *testing.T) {
	sk := testSec(t)
	if got := sk.Public().String(); got != testPublicKey {
		t.Errorf("Public() = %s, want %s (nix key convert-secret-to-public)", got, testPublicKey)
	}
	if sk.Text() != testSecretKey {
		t.Errorf("Text() = %s", sk.Text())
	}
	if s := fmt.Sprint(sk); strings.Contains(s, "w0R6") || s != "test-1:<secret>" {
		t.Errorf("printing a secret key shows %q", s)
	}
	if _, err := ParsePublicKey(testPublicKey + "\n"); err != nil {
		t.Errorf("trailing newline: %v", err)
	}
	for _, s := range []string{"", "test-1", ":Xl2Y+LekEYhuxOYEBJ/jFRVsGc5agTk42ya/6Bfk87k=", "test-1:", "test-1:Xl2Y", "test-1:!!!!", testSecretKey} {
		if _, err := ParsePublicKey(s); err == nil {
			t.Errorf("ParsePublicKey(%q) succeeded", s)
		}
	}
	// A secret key whose public half doesn't belong to its seed is refused.
	bad := []byte(sk.Key)
	bad = append([]byte(nil), bad...)
	bad[40] ^= 1
	if _, err := ParseSecretKey(SecretKey{"x", bad}.Text()); err == nil {
		t.Error("ParseSecretKey accepted a mismatched key")
	}
	if _, err := ParseSecretKey(testPublicKey); err == nil {
		t.Error("ParseSecretKey accepted a public key")
	}

	secret, public, err := GenerateKey("kiln-test-1")
	if err != nil {
		t.Fatal(err)
	}
	gs, err := ParseSecretKey(secret)
	if err != nil {
		t.Fatal(err)
	}
	gp, err := ParsePublicKey(public)
	if err != nil {
		t.Fatal(err)
	}
	if gs.Name != "kiln-test-1" || gp.String() != gs.Public().String() {
		t.Errorf("GenerateKey: %s / %s", secret, public)
	}
	for _, name := range []string{"", "a:b", "a b"} {
		if _, _, err := GenerateKey(name); err == nil {
			t.Errorf("GenerateKey(%q) succeeded", name)
		}
	}
}
