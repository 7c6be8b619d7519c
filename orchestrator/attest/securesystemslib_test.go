package attest

import (
	"crypto/ed25519"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kilnbuild/kiln/internal/testenv"
	"github.com/kilnbuild/kiln/orchestrator/record/recordtest"
)

// debianPython is Debian's interpreter, where python3-securesystemslib is installed (a
// python3 earlier on PATH, e.g. a pyenv shim, does not have it).
const debianPython = "/usr/bin/python3"

// TestSecuresystemslibVerifies: Debian's securesystemslib verifies kiln's envelopes (both
// key algorithms) and refuses a tampered one. in-toto 1.3 (Debian 12) predates DSSE, so its
// own commands do not apply; securesystemslib's key classes are what it verifies with.
func TestSecuresystemslibVerifies(t *testing.T) {
	testenv.Require(t, debianPython)
	if err := exec.Command(debianPython, "-c", "import securesystemslib.signer").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("python3-securesystemslib is required (scripts/setup.sh installs it): %v", err)
		}
		t.Skip("python3-securesystemslib not installed")
	}
	dir := t.TempDir()
	for _, alg := range []Algorithm{Ed25519, ECDSAP256} {
		t.Run(string(alg), func(t *testing.T) {
			k, env := signed(t, alg, recordtest.Default())
			keytype, scheme, public := "ecdsa", "ecdsa-sha2-nistp256", filepath.Join(dir, "ecdsa.pub")
			os.WriteFile(public, k.Public().MarshalPEM(), 0o644)
			if alg == Ed25519 {
				keytype, scheme, public = "ed25519", "ed25519", hex.EncodeToString(k.Public().key.(ed25519.PublicKey))
			}
			run := func(envelope []byte) (string, error) {
				f := filepath.Join(dir, "envelope.json")
				os.WriteFile(f, envelope, 0o644)
				out, err := exec.Command(debianPython, "testdata/verify_dsse.py", f, keytype, scheme, public).CombinedOutput()
				return string(out), err
			}
			out, err := run(env)
			if err != nil || strings.TrimSpace(out) != PayloadType {
				t.Fatalf("securesystemslib refused kiln's envelope: %v\n%s", err, out)
			}
			tampered := []byte(strings.Replace(string(env), `"payload":"ey`, `"payload":"eX`, 1))
			if out, err := run(tampered); err == nil {
				t.Errorf("securesystemslib accepted a tampered envelope:\n%s", out)
			}
		})
	}
}
