package attest

import (
	"errors"
	"strings"
	"testing"

	"github.com/kilnbuild/kiln/orchestrator/record/recordtest"
)

const (
	subjectA = "sha256:4f2b3c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b"
	subjectB = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
)

func rebuildOf(result, digest, builder string) *Rebuild {
	r := &Rebuild{
		Result: result, RebuiltDigest: digest, SpecDigest: recordtest.Default().Spec.Digest,
		Provenance: RebuiltFrom{Referrer: subjectB, KeyID: "k", BuilderID: "https://example.org/original"},
		Builder:    RebuildBuilder{ID: builder, Host: "h", NixVersion: "2.26.3", Sandbox: true},
		StorePaths: map[string]string{"/nix/store/051kdiq1w4rf0pc0sw7r1dnh8gmxbfvb-haproxy-3.0.11": strings.Repeat("ab", 32)},
		Rounds:     1,
	}
	if result == ResultDiffer {
		r.Differences = []string{"bin/haproxy differs"}
	}
	return r
}

// TestRebuildAttestationRoundTrip: a signed rebuild attestation opens with the signer's key
// and says what was signed; another key, another subject and a changed byte are refused.
func TestRebuildAttestationRoundTrip(t *testing.T) {
	k, _ := GenerateKey(Ed25519)
	other, _ := GenerateKey(Ed25519)
	st, err := RebuildStatement(rebuildOf(ResultMatch, subjectA, "https://example.org/b1"), "haproxy:3.0.11", subjectA)
	if err != nil {
		t.Fatal(err)
	}
	env, err := Sign(k, PayloadType, st)
	if err != nil {
		t.Fatal(err)
	}
	o, err := Keyring{k.Public()}.OpenAttestation("rebuild-1", env, subjectA)
	if err != nil {
		t.Fatal(err)
	}
	if o.Rebuild == nil || o.Rebuild.Result != ResultMatch || o.Rebuild.Builder.ID != "https://example.org/b1" || o.Key.ID != k.Public().ID {
		t.Fatalf("opened %+v", o)
	}
	var unknown *UnknownKeyError
	if _, err := (Keyring{other.Public()}).OpenAttestation("rebuild-1", env, subjectA); !errors.As(err, &unknown) || !strings.Contains(err.Error(), "rebuild-1") {
		t.Errorf("wrong key: %v", err)
	}
	var se *SubjectError
	if _, err := (Keyring{k.Public()}).OpenAttestation("rebuild-1", env, subjectB); !errors.As(err, &se) {
		t.Errorf("another image: %v", err)
	}
	tampered := []byte(strings.Replace(string(env), `"payload":"ey`, `"payload":"eX`, 1))
	var bad *BadSignatureError
	if _, err := (Keyring{k.Public()}).OpenAttestation("rebuild-1", tampered, subjectA); !errors.As(err, &bad) {
		t.Errorf("tampered: %v", err)
	}
	// A predicate kiln does not know, signed by a trusted key, is still refused.
	foreign := []byte(strings.Replace(string(st), RebuildPredicate, "https://example.org/other/v1", 1))
	fenv, _ := Sign(k, PayloadType, foreign)
	var pe *PredicateError
	if _, err := (Keyring{k.Public()}).OpenAttestation("foreign", fenv, subjectA); !errors.As(err, &pe) || !strings.Contains(err.Error(), "foreign") {
		t.Errorf("unknown predicate: %v", err)
	}
	// A malformed predicate is refused by its check.
	if _, err := RebuildStatement(rebuildOf("maybe", subjectA, "b"), "x", subjectA); err == nil || !strings.Contains(err.Error(), `result "maybe"`) {
		t.Errorf("bad result accepted: %v", err)
	}
}

func vote(key, builder, result, digest string) Vote {
	return Vote{Attestation: key + "@" + builder, KeyID: key, BuilderID: builder, Result: result, Digest: digest}
}

// TestQuorum: N agreeing votes by N different keys from N different builders pass; the same
// key or the same builder twice counts once; a differing result or another digest does
// not count and is listed.
func TestQuorum(t *testing.T) {
	cases := []struct {
		name    string
		votes   []Vote
		need    int
		counted int
		differ  int
	}{
		{"two keys two builders", []Vote{vote("a", "b1", ResultMatch, subjectA), vote("b", "b2", ResultMatch, subjectA)}, 2, 2, 0},
		{"one builder", []Vote{vote("a", "b1", ResultMatch, subjectA)}, 2, 1, 0},
		{"same key twice", []Vote{vote("a", "b1", ResultMatch, subjectA), vote("a", "b2", ResultMatch, subjectA)}, 2, 1, 0},
		{"same builder twice", []Vote{vote("a", "b1", ResultMatch, subjectA), vote("b", "b1", ResultMatch, subjectA)}, 2, 1, 0},
		{"one differs", []Vote{vote("a", "b1", ResultMatch, subjectA), vote("b", "b2", ResultDiffer, subjectB)}, 2, 1, 1},
		{"match of another digest", []Vote{vote("a", "b1", ResultMatch, subjectA), vote("b", "b2", ResultMatch, subjectB)}, 2, 1, 1},
		// A greedy count would give key a builder b1 and stop at 1; the matching finds 2.
		{"matching, not greedy", []Vote{vote("a", "b1", ResultMatch, subjectA), vote("a", "b2", ResultMatch, subjectA), vote("b", "b1", ResultMatch, subjectA)}, 2, 2, 0},
		{"three of three", []Vote{vote("a", "b1", ResultMatch, subjectA), vote("b", "b2", ResultMatch, subjectA), vote("c", "b3", ResultMatch, subjectA)}, 3, 3, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q := Quorum(c.votes, subjectA, c.need)
			if len(q.Counted) != c.counted || len(q.Differed) != c.differ || q.Pass != (c.counted >= c.need) {
				t.Errorf("counted %d (want %d), differed %d (want %d), pass %v", len(q.Counted), c.counted, len(q.Differed), c.differ, q.Pass)
			}
			keys, builders := map[string]bool{}, map[string]bool{}
			for _, v := range q.Counted {
				if keys[v.KeyID] || builders[v.BuilderID] || !v.Agrees(subjectA) {
					t.Errorf("counted %+v twice or disagreeing", v)
				}
				keys[v.KeyID], builders[v.BuilderID] = true, true
			}
		})
	}
}
