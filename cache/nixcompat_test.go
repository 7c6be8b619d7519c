package cache

import (
	"path/filepath"
	"testing"
)

// TestGenerateKeyWithNix: nix derives the same public key from our secret key, signs with
// it in a way Verify accepts, and (the other direction) nix key files parse here.
func TestGenerateKeyWithNix(t *testing.T) {
	env := newNixEnv(t)
	secret, public, err := GenerateKey("kiln-go-1")
	if err != nil {
		t.Fatal(err)
	}
	if got := env.run(secret, "nix", "key", "convert-secret-to-public"); got != public {
		t.Fatalf("nix key convert-secret-to-public = %s, GenerateKey said %s", got, public)
	}
	pub, err := ParsePublicKey(public)
	if err != nil {
		t.Fatal(err)
	}
	skFile := env.write("go.sk", secret, 0o600)
	p := env.build("kiln-cache-gokey", env.addFile("dep.txt"))
	dir := filepath.Join(env.dir, "cache")
	env.copyTo(dir, "compression=zstd&secret-key="+skFile, p)
	if err := readNarInfo(t, dir, p).Verify([]PublicKey{pub}); err != nil {
		t.Errorf("nix signed with our key, Verify: %v", err)
	}

	nixSecret := env.run("", "nix", "key", "generate-secret", "--key-name", "kiln-nix-1")
	sk, err := ParseSecretKey(nixSecret)
	if err != nil {
		t.Fatal(err)
	}
	if got := env.run(nixSecret, "nix", "key", "convert-secret-to-public"); got != sk.Public().String() {
		t.Errorf("public key of a nix secret key: nix says %s, we say %s", got, sk.Public())
	}
}

// TestNixVerifiesOurSignature: a narinfo nix wrote unsigned, signed here, passes
// `nix store verify` with our public key and fails it with another key.
func TestNixVerifiesOurSignature(t *testing.T) {
	env := newNixEnv(t)
	// An input-addressed path: nix store verify trusts content-addressed paths without
	// any signature, so only this kind really tests ours.
	p := env.build("kiln-cache-sign", env.addFile("dep.txt"))
	dir := filepath.Join(env.dir, "cache")
	env.copyTo(dir, "compression=zstd", p)
	verify := func(key string) error {
		_, err := env.try("", "nix", "store", "verify", "--store", "file://"+dir, "--trusted-public-keys", key, p)
		return err
	}

	secret, public, err := GenerateKey("kiln-go-1")
	if err != nil {
		t.Fatal(err)
	}
	if err := verify(public); err == nil {
		t.Fatal("nix store verify accepted the unsigned path; the test proves nothing")
	}
	sk, _ := ParseSecretKey(secret)
	ni := readNarInfo(t, dir, p)
	if err := ni.Sign(sk); err != nil {
		t.Fatal(err)
	}
	writeNarInfo(t, dir, ni)
	if err := verify(public); err != nil {
		t.Errorf("nix store verify rejected our signature: %v", err)
	}
	_, otherPublic, _ := GenerateKey("kiln-go-1")
	if err := verify(otherPublic); err == nil {
		t.Error("nix store verify accepted our signature under another key of the same name")
	}
}
