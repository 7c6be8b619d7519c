package attest

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"
)

// PayloadType is the DSSE payload type of an in-toto statement.
const PayloadType = "application/vnd.in-toto+json"

// EnvelopeMediaType is the media type of a DSSE envelope as a blob (OCI layer, referrer).
const EnvelopeMediaType = "application/vnd.dsse.envelope.v1+json"

// Envelope is a DSSE envelope (securesystemslib's type: payloadType, base64 payload, signatures).
type Envelope = dsse.Envelope

// Sign wraps payload in a DSSE envelope signed by k over PAE(payloadType, payload), and
// returns the envelope's JSON. An Ed25519 key signs deterministically; ECDSA signs the
// SHA-256 of the PAE with an ASN.1 DER signature, as cosign and securesystemslib expect.
func Sign(k *PrivateKey, payloadType string, payload []byte) ([]byte, error) {
	pae := dsse.PAE(payloadType, payload)
	var sig []byte
	var err error
	switch s := k.signer.(type) {
	case ed25519.PrivateKey:
		sig = ed25519.Sign(s, pae)
	case *ecdsa.PrivateKey:
		sum := sha256.Sum256(pae)
		sig, err = s.Sign(rand.Reader, sum[:], crypto.SHA256)
	default:
		err = fmt.Errorf("%T keys cannot sign", s)
	}
	if err != nil {
		return nil, fmt.Errorf("signing DSSE envelope: %w", err)
	}
	env := Envelope{
		PayloadType: payloadType,
		Payload:     base64.StdEncoding.EncodeToString(payload),
		Signatures:  []dsse.Signature{{KeyID: k.public.ID, Sig: base64.StdEncoding.EncodeToString(sig)}},
	}
	out, err := json.Marshal(env)
	if err != nil {
		return nil, fmt.Errorf("encoding DSSE envelope: %w", err)
	}
	return out, nil
}

// verify checks sig over PAE with p.
func (p *PublicKey) verify(pae, sig []byte) bool {
	switch k := p.key.(type) {
	case ed25519.PublicKey:
		return ed25519.Verify(k, pae, sig)
	case *ecdsa.PublicKey:
		sum := sha256.Sum256(pae)
		return ecdsa.VerifyASN1(k, sum[:], sig)
	}
	return false
}

// Keyring is the set of public keys a reader trusts.
type Keyring []*PublicKey

// Open parses a DSSE envelope, checks its payload type is wantType and that a trusted key
// signed it, and returns the payload and the key that verified it. A signature whose keyid
// names a trusted key is checked against that key only; a signature without keyid is tried
// against every trusted key.
func (r Keyring) Open(envelope []byte, wantType string) ([]byte, *PublicKey, error) {
	var env Envelope
	dec := json.NewDecoder(bytes.NewReader(envelope))
	if err := dec.Decode(&env); err != nil {
		return nil, nil, fmt.Errorf("not a DSSE envelope (JSON with payloadType, payload, signatures): %w", err)
	}
	if env.PayloadType != wantType {
		return nil, nil, &PayloadTypeError{Got: env.PayloadType, Want: wantType}
	}
	payload, err := env.DecodeB64Payload()
	if err != nil {
		return nil, nil, fmt.Errorf("reading DSSE payload: %w", err)
	}
	if len(env.Signatures) == 0 {
		return nil, nil, errors.New("DSSE envelope has no signatures")
	}
	pae := dsse.PAE(env.PayloadType, payload)
	unknown := &UnknownKeyError{}
	for _, k := range r {
		unknown.Trusted = append(unknown.Trusted, k.ID)
	}
	var bad error
	for _, s := range env.Signatures {
		sig, err := base64.StdEncoding.DecodeString(s.Sig)
		if err != nil {
			sig, err = base64.URLEncoding.DecodeString(s.Sig)
		}
		candidates := r.byID(s.KeyID)
		if len(candidates) == 0 {
			unknown.KeyIDs = append(unknown.KeyIDs, s.KeyID)
			continue
		}
		for _, k := range candidates {
			if err == nil && k.verify(pae, sig) {
				return payload, k, nil
			}
		}
		if s.KeyID != "" {
			bad = &BadSignatureError{KeyID: s.KeyID}
		} else {
			unknown.KeyIDs = append(unknown.KeyIDs, "")
		}
	}
	if bad != nil {
		return nil, nil, bad
	}
	return nil, nil, unknown
}

// byID returns the key with this ID, or every key when id is empty.
func (r Keyring) byID(id string) []*PublicKey {
	if id == "" {
		return r
	}
	for _, k := range r {
		if k.ID == id {
			return []*PublicKey{k}
		}
	}
	return nil
}
