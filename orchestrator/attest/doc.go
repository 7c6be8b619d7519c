// Package attest makes and checks kiln's signed statements about an image: an in-toto
// Statement v1 with a SLSA Provenance v1 predicate (what was built, from exactly what, by
// whom), wrapped in a DSSE envelope signed with a key kiln manages.
//
// The envelope format is the one cosign, in-toto and securesystemslib read: payloadType
// application/vnd.in-toto+json, signatures over DSSE's pre-authentication encoding (PAE).
// Keys are PEM files (PKCS#8 private, PKIX public), so `cosign verify-attestation --key
// NAME.pub --insecure-ignore-tlog` checks a kiln attestation offline.
//
// Reading is strict and says why it refused: a signature that does not verify, a key that
// is not trusted, a payload type or predicate kiln does not know, a statement about another
// image each have their own error type, and Error names the attestation.
package attest
