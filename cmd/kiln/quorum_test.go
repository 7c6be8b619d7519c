package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kilnbuild/kiln/internal/testenv"
	"github.com/kilnbuild/kiln/orchestrator/attest"
	"github.com/kilnbuild/kiln/orchestrator/publish/publishtest"
)

// attestBuildJSON is the part of kiln build --attest --json the tests read.
type attestBuildJSON struct {
	Digest       string   `json:"digest"`
	Targets      []string `json:"targets"`
	Attestations []struct {
		Name          string   `json:"name"`
		ArtifactType  string   `json:"artifact_type"`
		PredicateType string   `json:"predicate_type"`
		Size          int      `json:"size"`
		KeyID         string   `json:"key_id"`
		Referrers     []string `json:"referrers"`
	} `json:"attestations"`
}

// imageVerifyJSON is the part of kiln verify REF --json the tests read.
type imageVerifyJSON struct {
	Digest     string `json:"digest"`
	Provenance string `json:"provenance"`
	Rebuild    *struct {
		Predicate attest.Rebuild `json:"predicate"`
	} `json:"rebuild"`
	Seconds  float64              `json:"seconds"`
	Attached string               `json:"attached"`
	Quorum   *attest.QuorumResult `json:"quorum"`
	Refused  []struct {
		Attestation string `json:"attestation"`
		Reason      string `json:"reason"`
		Untrusted   bool   `json:"untrusted"`
	} `json:"refused"`
}

// keyPairs makes one attestation key pair per name in dir and returns dir/NAME (add .key, .pub).
func keyPairs(t *testing.T, names ...string) map[string]string {
	t.Helper()
	dir := t.TempDir()
	out := map[string]string{}
	for _, n := range names {
		if _, stderr, err := kiln(t, "key", "generate", "--dir", dir, n); err != nil {
			t.Fatalf("kiln key generate %s: %v\n%s", n, err, stderr)
		}
		out[n] = filepath.Join(dir, n)
	}
	return out
}

// verifyImage runs kiln verify --json on an image and returns its result and exit status.
func verifyImage(t *testing.T, args ...string) (*imageVerifyJSON, int, string) {
	t.Helper()
	stdout, stderr, err := kiln(t, append([]string{"verify", "--insecure", "--json"}, args...)...)
	code := exitCode(err)
	if code != 0 && code != exitNotReproducible {
		t.Fatalf("kiln verify %s: %v\n%s", strings.Join(args, " "), err, tailLines(stderr, 30))
	}
	var v imageVerifyJSON
	if err := json.Unmarshal([]byte(stdout), &v); err != nil {
		t.Fatalf("kiln verify --json: %v\n%s\n%s", err, stdout, tailLines(stderr, 30))
	}
	return &v, code, stderr
}

// TestRebuildQuorum is the checker's workflow on the default image in a real registry:
// kiln build --attest pushes the image with SBOMs and signed provenance (and writes them
// beside an OCI layout and a docker archive); kiln inspect lists them; cosign verifies the
// provenance and a rebuild attestation with the public keys alone. Rebuilder A rebuilds from
// the image alone in the local store (the build is there: a cache hit), rebuilder B in a
// separate, empty store (a full build from the pinned sources), each attaching a signed
// rebuild attestation. --quorum 2 fails with A alone, passes with A and B, and fails when
// B's key is replaced by one that signed nothing.
func TestRebuildQuorum(t *testing.T) {
	testenv.Require(t, "cosign")
	m := mirror(t)
	host := publishtest.StartRegistry(t)
	dir := t.TempDir()
	keys := keyPairs(t, "builder", "rebuilder-a", "rebuilder-b", "stranger")
	repo := host + "/kiln/haproxy"
	ref := "docker://" + repo + ":3.0.11"
	layout, archive := "oci:"+filepath.Join(dir, "oci"), "docker-archive:"+filepath.Join(dir, "haproxy.tar")

	stdout, stderr, err := kiln(t, "-q", "build", "--mirror", m, "--insecure", "--attest", "--sign-key", keys["builder"]+".key",
		"-o", ref, "-o", layout, "-o", archive, "--json")
	if err != nil {
		t.Fatalf("kiln build --attest: %v\n%s", err, tailLines(stderr, 30))
	}
	var b attestBuildJSON
	if err := json.Unmarshal([]byte(stdout), &b); err != nil {
		t.Fatalf("kiln build --json: %v\n%s", err, stdout)
	}
	if len(b.Attestations) != 3 {
		t.Fatalf("%d attestations, want provenance + 2 SBOMs: %s", len(b.Attestations), stdout)
	}
	for _, a := range b.Attestations {
		if len(a.Referrers) != 3 || a.Referrers[0] != a.Referrers[1] || a.Referrers[1] != a.Referrers[2] {
			t.Errorf("%s: referrers %v, want the same manifest in all 3 targets", a.Name, a.Referrers)
		}
		t.Logf("artifact %s: %d B (%s)", a.Name, a.Size, a.ArtifactType)
	}

	for _, tg := range []string{ref, layout, archive} {
		stdout, stderr, err := kiln(t, "inspect", "--insecure", "--json", tg)
		if err != nil {
			t.Fatalf("kiln inspect %s: %v\n%s", tg, err, stderr)
		}
		var ins struct {
			Digest    string `json:"digest"`
			Referrers []struct {
				Digest        string `json:"digest"`
				PredicateType string `json:"predicate_type"`
				Error         string `json:"error"`
			} `json:"referrers"`
		}
		if err := json.Unmarshal([]byte(stdout), &ins); err != nil {
			t.Fatal(err)
		}
		listed := map[string]string{} // digest → predicate type
		for _, r := range ins.Referrers {
			if r.Error == "" {
				listed[r.Digest] = r.PredicateType
			}
		}
		if len(ins.Referrers) != 3 || listed[b.Attestations[0].Referrers[0]] != attest.ProvenancePredicate ||
			listed[b.Attestations[1].Referrers[0]] != "" || listed[b.Attestations[2].Referrers[0]] != "" {
			t.Errorf("kiln inspect %s lists %+v", tg, ins.Referrers)
		}
	}
	if out, err := cosign(t, "verify-attestation", "--key", keys["builder"]+".pub", "--insecure-ignore-tlog", "--type", "slsaprovenance1", repo+"@"+b.Digest); err != nil {
		t.Fatalf("cosign refused the pipeline's provenance: %v\n%s", err, out)
	}

	// Rebuilder A: the local store, from the image alone.
	a, code, _ := verifyImage(t, "--mirror", m, "--trusted-key", keys["builder"]+".pub", "--attest", "--sign-key", keys["rebuilder-a"]+".key",
		"--builder-id", "https://example.org/rebuilder-a", ref)
	if code != 0 || a.Rebuild == nil || a.Rebuild.Predicate.Result != attest.ResultMatch || a.Attached == "" || a.Rebuild.Predicate.RebuiltDigest != b.Digest {
		t.Fatalf("rebuilder A (exit %d): %+v", code, a)
	}
	t.Logf("rebuilder A (local store): %.1f s", a.Seconds)

	quorum := func(trusted ...string) (*imageVerifyJSON, int) {
		args := []string{"--quorum", "2"}
		for _, k := range trusted {
			args = append(args, "--trusted-key", keys[k]+".pub")
		}
		v, code, _ := verifyImage(t, append(args, ref)...)
		return v, code
	}
	if q, code := quorum("rebuilder-a", "rebuilder-b"); code != exitNotReproducible || q.Quorum == nil || q.Quorum.Pass || len(q.Quorum.Counted) != 1 {
		t.Errorf("--quorum 2 with one rebuild: exit %d, %+v", code, q.Quorum)
	}

	// Rebuilder B: a separate, empty store, the stranger's case.
	store := filepath.Join(t.TempDir(), "store")
	start := time.Now()
	bv, code, _ := verifyImage(t, "--store", store, "--mirror", m, "--trusted-key", keys["builder"]+".pub", "--attest", "--sign-key", keys["rebuilder-b"]+".key",
		"--builder-id", "https://example.org/rebuilder-b", ref)
	if code != 0 || bv.Rebuild == nil || bv.Rebuild.Predicate.Result != attest.ResultMatch || len(bv.Rebuild.Predicate.StorePaths) == 0 {
		t.Fatalf("rebuilder B (exit %d): %+v", code, bv)
	}
	t.Logf("rebuilder B (empty store, from the image alone): verify %s", time.Since(start).Round(time.Second))
	os.RemoveAll(store)

	q, code := quorum("rebuilder-a", "rebuilder-b")
	if code != 0 || !q.Quorum.Pass || len(q.Quorum.Counted) != 2 || len(q.Quorum.Differed) != 0 {
		t.Errorf("--quorum 2 with two rebuilds: exit %d, %+v", code, q.Quorum)
	}
	if q, code := quorum("rebuilder-a", "stranger"); code != exitNotReproducible || q.Quorum.Pass || len(q.Quorum.Counted) != 1 {
		t.Errorf("--quorum 2 with a key that signed nothing: exit %d, %+v", code, q.Quorum)
	}
	if out, err := cosign(t, "verify-attestation", "--key", keys["rebuilder-b"]+".pub", "--insecure-ignore-tlog", "--type", attest.RebuildPredicate, repo+"@"+b.Digest); err != nil {
		t.Errorf("cosign refused the rebuild attestation: %v\n%s", err, out)
	}
	// The rebuild attestations went to the registry only; the layout verifies on its own.
	if v, code, _ := verifyImage(t, "--mirror", m, "--trusted-key", keys["builder"]+".pub", layout); code != 0 || v.Rebuild.Predicate.Result != attest.ResultMatch {
		t.Errorf("kiln verify %s: exit %d", layout, code)
	}
	// The quorum in text: who agreed.
	text, _, _ := kiln(t, "verify", "--insecure", "--quorum", "2", "--trusted-key", keys["rebuilder-a"]+".pub", "--trusted-key", keys["rebuilder-b"]+".pub", ref)
	for _, want := range []string{"quorum:      2 of 2: PASSED", "agreed:    https://example.org/rebuilder-a", "agreed:    https://example.org/rebuilder-b"} {
		if !strings.Contains(text, want) {
			t.Errorf("kiln verify --quorum prints no %q:\n%s", want, text)
		}
	}
}

// TestRebuildQuorumDiffers: the nondeterministic spec's image, attested by its builder, is
// rebuilt by A (the store's build: a match) and by B, who rebuilds the package again
// (--rounds 2 --shallow) and gets another binary: B attaches a "differ" attestation and
// exits 2, and --quorum 2 fails, naming A as agreeing and B as differing, with B's reason.
func TestRebuildQuorumDiffers(t *testing.T) {
	m := mirror(t)
	host := publishtest.StartRegistry(t)
	keys := keyPairs(t, "builder", "rebuilder-a", "rebuilder-b")
	ref := "docker://" + host + "/kiln/haproxy-nondeterministic:2.6.12"
	stdout, stderr, err := kiln(t, "-q", "build", "--mirror", m, "--insecure", "--attest", "--sign-key", keys["builder"]+".key", "-o", ref, "--json", specNondeterministic)
	if err != nil {
		t.Fatalf("kiln build --attest: %v\n%s", err, tailLines(stderr, 30))
	}
	var b attestBuildJSON
	if err := json.Unmarshal([]byte(stdout), &b); err != nil {
		t.Fatal(err)
	}
	trusted := []string{"--trusted-key", keys["builder"] + ".pub"}
	a, code, _ := verifyImage(t, append(trusted, "--mirror", m, "--attest", "--sign-key", keys["rebuilder-a"]+".key", "--builder-id", "https://example.org/rebuilder-a", ref)...)
	if code != 0 || a.Rebuild.Predicate.Result != attest.ResultMatch {
		t.Fatalf("rebuilder A: exit %d, %+v", code, a.Rebuild)
	}
	bv, code, stderr := verifyImage(t, append(trusted, "--mirror", m, "--rounds", "2", "--shallow", "--attest", "--sign-key", keys["rebuilder-b"]+".key",
		"--builder-id", "https://example.org/rebuilder-b", ref)...)
	if code != exitNotReproducible || bv.Rebuild.Predicate.Result != attest.ResultDiffer || bv.Attached == "" ||
		bv.Rebuild.Predicate.RebuiltDigest == b.Digest || !strings.Contains(stderr, "the rebuild differs") {
		t.Fatalf("rebuilder B: exit %d, %+v\n%s", code, bv.Rebuild, tailLines(stderr, 5))
	}
	t.Logf("rebuilder B: %s", strings.Join(bv.Rebuild.Predicate.Differences, "; "))

	q, code, _ := verifyImage(t, "--quorum", "2", "--trusted-key", keys["rebuilder-a"]+".pub", "--trusted-key", keys["rebuilder-b"]+".pub", ref)
	if code != exitNotReproducible || q.Quorum.Pass || len(q.Quorum.Agreed) != 1 || len(q.Quorum.Differed) != 1 ||
		q.Quorum.Agreed[0].BuilderID != "https://example.org/rebuilder-a" || q.Quorum.Differed[0].BuilderID != "https://example.org/rebuilder-b" ||
		len(q.Quorum.Differed[0].Differences) == 0 {
		t.Errorf("--quorum 2 with a differing rebuild: exit %d, %+v", code, q.Quorum)
	}
}

// TestAttestFlagsRefused: what cannot be attested or verified is refused before anything
// is built or written, saying what to do.
func TestAttestFlagsRefused(t *testing.T) {
	keys := keyPairs(t, "k")
	loose := filepath.Join(t.TempDir(), "loose.key")
	data, _ := os.ReadFile(keys["k"] + ".key")
	os.WriteFile(loose, data, 0o644)
	pubAsKey := filepath.Join(t.TempDir(), "pub.key")
	data, _ = os.ReadFile(keys["k"] + ".pub")
	os.WriteFile(pubAsKey, data, 0o600)
	out := "oci:" + filepath.Join(t.TempDir(), "never")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"build", "--attest", "-o", out}, "--attest needs --sign-key"},
		{[]string{"build", "--attest", "--sign-key", loose, "-o", out}, "chmod 600"},
		{[]string{"build", "--attest", "--sign-key", pubAsKey, "-o", out}, "not a PEM PRIVATE KEY"},
		{[]string{"build", "--attest", "--sign-key", keys["k"] + ".key", "--no-image"}, "cannot go with --no-image"},
		{[]string{"build", "--attest", "--sign-key", keys["k"] + ".key", "--push-cache", "file:///nowhere", "-o", out}, "each sign with their own --sign-key"},
		{[]string{"build", "--attest", "--sign-key", keys["k"] + ".key", "--builder-id", "not a uri", "-o", out}, "--builder-id"},
		{[]string{"verify", "oci:" + t.TempDir()}, "needs --trusted-key"},
		{[]string{"verify", "--trusted-key", keys["k"] + ".key", "oci:" + t.TempDir()}, "not a PEM PUBLIC KEY"},
		{[]string{"verify", "--trusted-key", keys["k"] + ".pub", "--quorum", "2", "oci:" + t.TempDir()}, "--quorum 2 needs 2 different trusted keys"},
		{[]string{"verify", "--trusted-key", keys["k"] + ".pub", "--toolchain", "pinned", "oci:" + t.TempDir()}, "--toolchain does not apply"},
		{[]string{"verify", "--trusted-key", keys["k"] + ".pub", "--sign-key", keys["k"] + ".key", "oci:" + t.TempDir()}, "add --attest"},
		{[]string{"verify", "--quorum", "1"}, "give docker://REF"},
	}
	for _, c := range cases {
		_, stderr, err := kiln(t, c.args...)
		if err == nil || !strings.Contains(stderr, c.want) {
			t.Errorf("kiln %s: %v, stderr %q, want %q", strings.Join(c.args, " "), err, stderr, c.want)
		}
	}
	if _, err := os.Stat(strings.TrimPrefix(out, "oci:")); err == nil {
		t.Error("a refused build wrote its output")
	}
}
