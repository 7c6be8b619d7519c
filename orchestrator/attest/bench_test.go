package attest

import (
	"testing"

	"github.com/kilnbuild/kiln/orchestrator/record/recordtest"
	"github.com/kilnbuild/kiln/orchestrator/sbom"
)

// BenchmarkAttestations makes what `kiln build --attest` will make for a full-feature build
// — both SBOMs, the provenance, its signature — and reports each one's size:
// go test -bench . -run - ./orchestrator/attest
func BenchmarkAttestations(b *testing.B) {
	rec := recordtest.Full()
	for _, alg := range []Algorithm{Ed25519, ECDSAP256} {
		b.Run(string(alg), func(b *testing.B) {
			k, err := GenerateKey(alg)
			if err != nil {
				b.Fatal(err)
			}
			var spdx, cdx, st, env []byte
			for i := 0; i < b.N; i++ {
				spdx, _ = sbom.SPDX(rec)
				cdx, _ = sbom.CycloneDX(rec)
				st, _ = Provenance(rec)
				env, err = Sign(k, PayloadType, st)
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(spdx)), "spdx-B")
			b.ReportMetric(float64(len(cdx)), "cyclonedx-B")
			b.ReportMetric(float64(len(st)), "statement-B")
			b.ReportMetric(float64(len(env)), "envelope-B")
		})
	}
}

// BenchmarkVerify is the whole check of one provenance envelope.
func BenchmarkVerify(b *testing.B) {
	rec := recordtest.Full()
	k, _ := GenerateKey(Ed25519)
	st, _ := Provenance(rec)
	env, _ := Sign(k, PayloadType, st)
	ring := Keyring{k.Public()}
	for i := 0; i < b.N; i++ {
		if _, _, err := ring.OpenProvenance("bench", env, rec.Image.Digest); err != nil {
			b.Fatal(err)
		}
	}
}
