package attest

import (
	"fmt"
	"strings"
)

// Error is a refused attestation: which one (a referrer digest, a file) and why. The cause
// is one of the typed errors below, or a malformed document.
type Error struct {
	// Attestation names it, e.g. "referrer sha256:… (application/vnd.dsse.envelope.v1+json)".
	Attestation string
	Err         error
}

func (e *Error) Error() string { return "attestation " + e.Attestation + ": " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// BadSignatureError is a signature by a trusted key that does not verify: the envelope was
// changed after signing, or signed over something else.
type BadSignatureError struct {
	KeyID string
}

func (e *BadSignatureError) Error() string {
	return fmt.Sprintf("signature by key %s does not verify: the attestation was altered after signing", short(e.KeyID))
}

// UnknownKeyError is an envelope signed by no trusted key.
type UnknownKeyError struct {
	// KeyIDs are the envelope's signatures' key IDs ("" for a signature without one).
	KeyIDs []string
	// Trusted are the IDs of the keys that were tried.
	Trusted []string
}

func (e *UnknownKeyError) Error() string {
	ids := make([]string, len(e.KeyIDs))
	for i, id := range e.KeyIDs {
		ids[i] = short(id)
	}
	tr := make([]string, len(e.Trusted))
	for i, id := range e.Trusted {
		tr[i] = short(id)
	}
	return fmt.Sprintf("signed by no trusted key (signatures by [%s], trusted [%s]): pass the signer's public key if you trust it", strings.Join(ids, " "), strings.Join(tr, " "))
}

// PayloadTypeError is an envelope whose payload is not what kiln reads.
type PayloadTypeError struct {
	Got, Want string
}

func (e *PayloadTypeError) Error() string {
	return fmt.Sprintf("payload type %q, want %q", e.Got, e.Want)
}

// PredicateError is a statement whose predicate type kiln does not know.
type PredicateError struct {
	Got  string
	Want []string
}

func (e *PredicateError) Error() string {
	return fmt.Sprintf("unknown predicate type %q (kiln reads %s)", e.Got, strings.Join(e.Want, ", "))
}

// SubjectError is a statement about another artifact than the one being checked.
type SubjectError struct {
	// Want is the digest being checked, "sha256:<hex>".
	Want string
	// Got are the statement's subjects' sha256 digests.
	Got []string
}

func (e *SubjectError) Error() string {
	return fmt.Sprintf("is about %s, not %s: it belongs to another image", strings.Join(e.Got, ", "), e.Want)
}

// short abbreviates a key ID for messages.
func short(id string) string {
	if id == "" {
		return "(no keyid)"
	}
	if len(id) > 16 {
		return id[:16]
	}
	return id
}
