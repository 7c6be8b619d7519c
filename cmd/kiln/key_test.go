package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kilnbuild/kiln/orchestrator/attest"
)

// TestKeyGenerate: kiln key generate writes a 0600 private key and a public key, prints
// only the public key, never overwrites, and refuses bad names and algorithms.
func TestKeyGenerate(t *testing.T) {
	dir := t.TempDir()
	for _, alg := range []string{"ed25519", "ecdsa-p256"} {
		stdout, stderr, err := kiln(t, "key", "generate", "--dir", dir, "--algorithm", alg, "b-"+alg)
		if err != nil {
			t.Fatalf("kiln key generate: %v\n%s", err, stderr)
		}
		priv, pub := filepath.Join(dir, "b-"+alg+".key"), filepath.Join(dir, "b-"+alg+".pub")
		fi, err := os.Stat(priv)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %v %v", priv, err, fi)
		}
		pubPEM, _ := os.ReadFile(pub)
		if stdout != string(pubPEM) || !strings.HasPrefix(stdout, "-----BEGIN PUBLIC KEY-----") {
			t.Errorf("stdout is not the public key:\n%s", stdout)
		}
		privPEM, _ := os.ReadFile(priv)
		if strings.Contains(stdout+stderr, string(privPEM[30:70])) || strings.Contains(stdout+stderr, "PRIVATE KEY-----") {
			t.Error("private key bytes printed")
		}
		k, err := attest.LoadPrivateKey(priv)
		if err != nil || string(k.Public().Algorithm()) != alg || !strings.Contains(stderr, k.Public().ID) {
			t.Errorf("key %s: %v; stderr %s", alg, err, stderr)
		}
	}
	for _, args := range [][]string{
		{"key", "generate", "--dir", dir, "b-ed25519"}, // exists
		{"key", "generate", "--dir", dir, "../escape"}, // a path
		{"key", "generate", "--algorithm", "rsa", "x"}, // unknown algorithm
		{"key", "generate"},                            // no name
	} {
		if _, stderr, err := kiln(t, args...); err == nil {
			t.Errorf("kiln %s succeeded", strings.Join(args, " "))
		} else {
			t.Log(strings.TrimSpace(stderr))
		}
	}
}
