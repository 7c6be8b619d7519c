package attest

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kilnbuild/kiln/internal/testenv"
	"github.com/kilnbuild/kiln/orchestrator/record/recordtest"
)

// TestCosignVerifiesBlobAttestation: cosign (built from the Go module proxy by
// scripts/tools.sh) accepts kiln's envelope offline with the public key, for both key
// algorithms, and refuses it with another key or when the subject is another blob.
func TestCosignVerifiesBlobAttestation(t *testing.T) {
	testenv.Require(t, "cosign")
	dir := t.TempDir()
	blob := filepath.Join(dir, "manifest.json")
	content := []byte(`{"schemaVersion":2}`)
	os.WriteFile(blob, content, 0o644)
	sum := sha256.Sum256(content)
	other, _ := GenerateKey(Ed25519)
	otherPub := filepath.Join(dir, "other.pub")
	os.WriteFile(otherPub, other.Public().MarshalPEM(), 0o644)

	for _, alg := range []Algorithm{Ed25519, ECDSAP256} {
		t.Run(string(alg), func(t *testing.T) {
			rec := recordtest.Default()
			rec.Image.Digest = "sha256:" + hex.EncodeToString(sum[:])
			k, env := signed(t, alg, rec)
			pub := filepath.Join(dir, string(alg)+".pub")
			envFile := filepath.Join(dir, string(alg)+".intoto.jsonl")
			os.WriteFile(pub, k.Public().MarshalPEM(), 0o644)
			os.WriteFile(envFile, env, 0o644)

			cosign := func(key, blobPath string) (string, error) {
				cmd := exec.Command("cosign", "verify-blob-attestation", "--key", key, "--insecure-ignore-tlog",
					"--type", "slsaprovenance1", "--signature", envFile, blobPath)
				cmd.Env = append(os.Environ(), "HOME="+dir, "TUF_ROOT="+filepath.Join(dir, "tuf"))
				out, err := cmd.CombinedOutput()
				return string(out), err
			}
			if out, err := cosign(pub, blob); err != nil {
				t.Fatalf("cosign refused kiln's %s attestation: %v\n%s", alg, err, out)
			}
			if out, err := cosign(otherPub, blob); err == nil || !strings.Contains(out, "accepted signatures do not match threshold") {
				t.Errorf("cosign accepted the attestation with another key (%v):\n%s", err, out)
			} else {
				t.Logf("other key: %s", lastLine(out))
			}
			wrongBlob := filepath.Join(dir, "other.json")
			os.WriteFile(wrongBlob, []byte("{}"), 0o644)
			if out, err := cosign(pub, wrongBlob); err == nil || !strings.Contains(out, "no matching subject digest") {
				t.Errorf("cosign accepted the attestation for another blob (%v):\n%s", err, out)
			} else {
				t.Logf("other blob: %s", lastLine(out))
			}
		})
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
