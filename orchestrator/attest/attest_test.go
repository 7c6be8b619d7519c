package attest

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kilnbuild/kiln/orchestrator/record"
	"github.com/kilnbuild/kiln/orchestrator/record/recordtest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// signed is a provenance envelope for rec signed with a fresh key of alg.
func signed(t *testing.T, alg Algorithm, rec *record.Build) (*PrivateKey, []byte) {
	t.Helper()
	k, err := GenerateKey(alg)
	if err != nil {
		t.Fatal(err)
	}
	st, err := Provenance(rec)
	if err != nil {
		t.Fatal(err)
	}
	env, err := Sign(k, PayloadType, st)
	if err != nil {
		t.Fatal(err)
	}
	return k, env
}

// TestProvenanceGolden pins the statement's bytes: go test ./orchestrator/attest -update.
func TestProvenanceGolden(t *testing.T) {
	got, err := Provenance(recordtest.Default())
	if err != nil {
		t.Fatal(err)
	}
	again, _ := Provenance(recordtest.Default())
	if !bytes.Equal(got, again) {
		t.Fatal("two runs give different statements")
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, got, "", "  "); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "provenance.golden.json")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, pretty.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (go test ./orchestrator/attest -update)", err)
	}
	if !bytes.Equal(pretty.Bytes(), want) {
		t.Errorf("provenance differs from %s; if intended, run with -update:\n%s", golden, pretty.Bytes())
	}
}

// TestRoundTrip: what Provenance writes, OpenProvenance reads back — spec, digests, builder.
func TestRoundTrip(t *testing.T) {
	for _, alg := range []Algorithm{Ed25519, ECDSAP256} {
		t.Run(string(alg), func(t *testing.T) {
			rec := recordtest.Full()
			prof := []byte("\x1f\x8b profile")
			ps := sha256.Sum256(prof)
			rec.Profile = &record.Patch{Name: "speed.profile.tar.gz", SHA256: hex.EncodeToString(ps[:]), Content: prof}
			k, env := signed(t, alg, rec)
			info, key, err := Keyring{k.Public()}.OpenProvenance("test", env, rec.Image.Digest)
			if err != nil {
				t.Fatal(err)
			}
			if key.ID != k.Public().ID {
				t.Errorf("verified by %s, want %s", key.ID, k.Public().ID)
			}
			var want, got any
			json.Unmarshal(rec.Spec.Canonical, &want)
			json.Unmarshal(info.Spec, &got)
			wj, _ := json.Marshal(want)
			gj, _ := json.Marshal(got)
			if !bytes.Equal(wj, gj) {
				t.Errorf("embedded spec:\n got %s\nwant %s", gj, wj)
			}
			if info.SpecDigest != rec.Spec.Digest || info.KilnVersion != rec.KilnVersion || info.Toolchain != "host" || info.BuilderID != rec.Builder.ID {
				t.Errorf("info: %+v", info)
			}
			if info.BuilderVersion["nix"] != "2.8.0" || info.BuilderVersion["kernel"] == "" {
				t.Errorf("builder version: %v", info.BuilderVersion)
			}
			nar, _ := rec.Closure[0].NarSHA256()
			if info.StorePaths[rec.Closure[0].Path] != nar {
				t.Errorf("store paths: %v", info.StorePaths)
			}
			var sources, patches, profiles int
			for _, d := range info.Dependencies {
				switch d.GetAnnotations().GetFields()["kind"].GetStringValue() {
				case DepProfile:
					profiles++
					if !bytes.Equal(d.GetContent(), prof) || d.GetDigest()["sha256"] != rec.Profile.SHA256 {
						t.Errorf("profile dependency: %q %v", d.GetContent(), d.GetDigest())
					}
				case DepSource:
					sources++
				case DepPatch:
					// In the record's order, each with its content and, for a library's,
					// the library it patches.
					if patches < len(rec.Patches) {
						want := rec.Patches[patches]
						of := d.GetAnnotations().GetFields()["of"].GetStringValue()
						if !bytes.Equal(d.GetContent(), want.Content) || d.GetName() != want.Name || of != want.Of {
							t.Errorf("patch %d: %s of %q, content %q; want %s of %q, %q", patches, d.GetName(), of, d.GetContent(), want.Name, want.Of, want.Content)
						}
					}
					patches++
				}
			}
			if sources != len(rec.Sources) || patches != len(rec.Patches) || profiles != 1 {
				t.Errorf("%d sources, %d patches in resolvedDependencies", sources, patches)
			}
		})
	}
}

// TestEd25519Deterministic: an Ed25519 key signs the same statement to the same envelope.
func TestEd25519Deterministic(t *testing.T) {
	k, err := GenerateKey(Ed25519)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := Provenance(recordtest.Default())
	a, _ := Sign(k, PayloadType, st)
	b, _ := Sign(k, PayloadType, st)
	if !bytes.Equal(a, b) {
		t.Error("Ed25519 envelopes differ")
	}
}

// TestRefusals: every way an attestation can be wrong gives its own typed error, wrapped in
// an *Error that names the attestation.
func TestRefusals(t *testing.T) {
	rec := recordtest.Default()
	k, env := signed(t, Ed25519, rec)
	other, _ := GenerateKey(Ed25519)
	ring := Keyring{k.Public()}

	var e map[string]any
	json.Unmarshal(env, &e)
	payload, _ := base64.StdEncoding.DecodeString(e["payload"].(string))
	reenvelope := func(payloadType string, payload []byte, keep bool) []byte {
		m := map[string]any{"payloadType": payloadType, "payload": base64.StdEncoding.EncodeToString(payload), "signatures": e["signatures"]}
		if !keep {
			out, _ := Sign(k, payloadType, payload)
			return out
		}
		out, _ := json.Marshal(m)
		return out
	}
	tampered := reenvelope(PayloadType, bytes.Replace(payload, []byte("3.0.11"), []byte("3.0.12"), 1), true)
	unknownPred := reenvelope(PayloadType, bytes.Replace(payload, []byte(ProvenancePredicate), []byte("https://example.com/other/v1"), 1), false)
	wrongType := reenvelope("application/json", payload, false)

	cases := []struct {
		name     string
		ring     Keyring
		envelope []byte
		subject  string
		check    func(error) bool
	}{
		{"tampered", ring, tampered, rec.Image.Digest, func(err error) bool { var x *BadSignatureError; return errors.As(err, &x) }},
		{"wrong key", Keyring{other.Public()}, env, rec.Image.Digest, func(err error) bool { var x *UnknownKeyError; return errors.As(err, &x) }},
		{"no keys", nil, env, rec.Image.Digest, func(err error) bool { var x *UnknownKeyError; return errors.As(err, &x) }},
		{"unknown predicate", ring, unknownPred, rec.Image.Digest, func(err error) bool { var x *PredicateError; return errors.As(err, &x) }},
		{"payload type", ring, wrongType, rec.Image.Digest, func(err error) bool { var x *PayloadTypeError; return errors.As(err, &x) }},
		{"another image", ring, env, "sha256:" + strings.Repeat("0", 64), func(err error) bool { var x *SubjectError; return errors.As(err, &x) }},
		{"not JSON", ring, []byte("<html>"), rec.Image.Digest, func(err error) bool { return strings.Contains(err.Error(), "not a DSSE envelope") }},
		{"not a statement", ring, reenvelope(PayloadType, []byte(`{"hello":1}`), false), rec.Image.Digest, func(err error) bool { return strings.Contains(err.Error(), "in-toto statement") }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := c.ring.OpenProvenance("referrer sha256:abc", c.envelope, c.subject)
			var ae *Error
			if !errors.As(err, &ae) || ae.Attestation != "referrer sha256:abc" {
				t.Fatalf("got %v, want an *Error naming the attestation", err)
			}
			if !c.check(err) {
				t.Errorf("wrong error type: %T: %v", errors.Unwrap(err), err)
			}
			t.Log(err)
		})
	}
}

// TestKeyFiles: keys round-trip through files; the private file is 0600 and refused when
// others can read it; existing files are never replaced.
func TestKeyFiles(t *testing.T) {
	dir := t.TempDir()
	for _, alg := range []Algorithm{Ed25519, ECDSAP256} {
		k, err := GenerateKey(alg)
		if err != nil {
			t.Fatal(err)
		}
		priv, pub := filepath.Join(dir, string(alg)+".key"), filepath.Join(dir, string(alg)+".pub")
		if err := WriteKeyPair(k, priv, pub); err != nil {
			t.Fatal(err)
		}
		fi, _ := os.Stat(priv)
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v", priv, fi.Mode())
		}
		k2, err := LoadPrivateKey(priv)
		if err != nil {
			t.Fatal(err)
		}
		p2, err := LoadPublicKey(pub)
		if err != nil {
			t.Fatal(err)
		}
		if k2.Public().ID != k.Public().ID || p2.ID != k.Public().ID || p2.Algorithm() != alg {
			t.Errorf("%s: keys changed on the way through files", alg)
		}
		der := sha256.Sum256(k.Public().der)
		if hex.EncodeToString(der[:]) != p2.ID {
			t.Error("key ID is not sha256 of the PKIX DER")
		}
		if err := WriteKeyPair(k, priv, pub); err == nil || !strings.Contains(err.Error(), "exists") {
			t.Errorf("overwrote an existing key: %v", err)
		}
		os.Chmod(priv, 0o644)
		if _, err := LoadPrivateKey(priv); err == nil || !strings.Contains(err.Error(), "chmod 600") {
			t.Errorf("loaded a world-readable key: %v", err)
		}
		data, _ := os.ReadFile(priv)
		if _, err := ParsePublicKey(data); err == nil || strings.Contains(err.Error(), string(data[30:60])) {
			t.Errorf("private key accepted as public, or quoted in the error: %v", err)
		}
	}
}
