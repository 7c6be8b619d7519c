package attest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/kilnbuild/kiln/internal/files"
)

// Algorithm is a signing key's algorithm.
type Algorithm string

// The algorithms kiln signs with. Both verify offline with cosign 2.x's --key.
const (
	// ECDSAP256 is ECDSA on NIST P-256 with SHA-256 (cosign's own default).
	ECDSAP256 Algorithm = "ecdsa-p256"
	// Ed25519 signs deterministically: the same statement gives the same envelope bytes.
	Ed25519 Algorithm = "ed25519"
)

// DefaultAlgorithm is what `kiln key generate` makes unless told otherwise.
const DefaultAlgorithm = Ed25519

// Valid reports whether a is an algorithm kiln signs with.
func (a Algorithm) Valid() bool { return a == ECDSAP256 || a == Ed25519 }

// PrivateKey signs attestations.
type PrivateKey struct {
	signer crypto.Signer
	public *PublicKey
}

// PublicKey verifies attestations. Its ID is the hex sha256 of its PKIX (SubjectPublicKeyInfo)
// DER encoding; envelopes carry it as their signatures' keyid.
type PublicKey struct {
	key crypto.PublicKey
	der []byte
	// ID is the key's identifier: hex sha256 of its PKIX DER encoding.
	ID string
	// Name is what the user calls it: the file it was loaded from ("" otherwise).
	Name string
}

// GenerateKey makes a new private key.
func GenerateKey(alg Algorithm) (*PrivateKey, error) {
	var signer crypto.Signer
	var err error
	switch alg {
	case ECDSAP256:
		signer, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case Ed25519:
		_, signer, err = ed25519.GenerateKey(rand.Reader)
	default:
		return nil, fmt.Errorf("key algorithm %q: use %s or %s", alg, Ed25519, ECDSAP256)
	}
	if err != nil {
		return nil, fmt.Errorf("generating %s key: %w", alg, err)
	}
	return newPrivateKey(signer)
}

func newPrivateKey(signer crypto.Signer) (*PrivateKey, error) {
	pub, err := newPublicKey(signer.Public())
	if err != nil {
		return nil, err
	}
	return &PrivateKey{signer: signer, public: pub}, nil
}

func newPublicKey(k crypto.PublicKey) (*PublicKey, error) {
	switch k := k.(type) {
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() {
			return nil, fmt.Errorf("ECDSA key on %s: only P-256 is supported", k.Curve.Params().Name)
		}
	case ed25519.PublicKey:
	default:
		return nil, fmt.Errorf("%T keys are not supported: use Ed25519 or ECDSA P-256", k)
	}
	der, err := x509.MarshalPKIXPublicKey(k)
	if err != nil {
		return nil, fmt.Errorf("encoding public key: %w", err)
	}
	sum := sha256.Sum256(der)
	return &PublicKey{key: k, der: der, ID: hex.EncodeToString(sum[:])}, nil
}

// Public is the key's public half.
func (k *PrivateKey) Public() *PublicKey { return k.public }

// Algorithm is the key's algorithm.
func (p *PublicKey) Algorithm() Algorithm {
	if _, ok := p.key.(*ecdsa.PublicKey); ok {
		return ECDSAP256
	}
	return Ed25519
}

// MarshalPEM encodes the public key as a PEM "PUBLIC KEY" block (PKIX), what cosign --key reads.
func (p *PublicKey) MarshalPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: p.der})
}

// marshalPEM encodes the private key as a PEM "PRIVATE KEY" block (PKCS#8, unencrypted).
func (k *PrivateKey) marshalPEM() ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k.signer)
	if err != nil {
		return nil, fmt.Errorf("encoding private key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// ParsePrivateKey reads a PEM "PRIVATE KEY" (PKCS#8) block holding an Ed25519 or ECDSA
// P-256 key. The error never quotes the key's bytes.
func ParsePrivateKey(data []byte) (*PrivateKey, error) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, errors.New("not a PEM PRIVATE KEY (PKCS#8) block: make one with `kiln key generate NAME`")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("reading PKCS#8 private key: %w", err)
	}
	signer, ok := k.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("%T keys are not supported: use Ed25519 or ECDSA P-256", k)
	}
	return newPrivateKey(signer)
}

// ParsePublicKey reads a PEM "PUBLIC KEY" (PKIX) block holding an Ed25519 or ECDSA P-256 key.
func ParsePublicKey(data []byte) (*PublicKey, error) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PUBLIC KEY" {
		return nil, errors.New("not a PEM PUBLIC KEY block (the .pub file `kiln key generate` writes)")
	}
	k, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("reading public key: %w", err)
	}
	return newPublicKey(k)
}

// LoadPrivateKey reads a private key file, refusing one that others can read.
func LoadPrivateKey(path string) (*PrivateKey, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("reading signing key: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("reading signing key %s: mode %04o lets others read it: chmod 600 %s", path, fi.Mode().Perm(), path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading signing key: %w", err)
	}
	k, err := ParsePrivateKey(data)
	if err != nil {
		return nil, fmt.Errorf("reading signing key %s: %w", path, err)
	}
	return k, nil
}

// LoadPublicKey reads a public key file.
func LoadPublicKey(path string) (*PublicKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading public key: %w", err)
	}
	k, err := ParsePublicKey(data)
	if err != nil {
		return nil, fmt.Errorf("reading public key %s: %w", path, err)
	}
	k.Name = path
	return k, nil
}

// WriteKeyPair writes k to privPath (mode 0600) and its public key to pubPath (0644). It
// refuses to replace either file, and leaves neither behind when it fails.
func WriteKeyPair(k *PrivateKey, privPath, pubPath string) (err error) {
	priv, err := k.marshalPEM()
	if err != nil {
		return err
	}
	for _, p := range []string{privPath, pubPath} {
		if _, err := os.Lstat(p); err == nil {
			return fmt.Errorf("writing key pair: %s exists: choose another name or remove it", p)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("writing key pair: %w", err)
		}
	}
	if err := files.WriteNew(privPath, priv, 0o600); err != nil {
		return fmt.Errorf("writing private key: %w", err)
	}
	if err := files.WriteNew(pubPath, k.public.MarshalPEM(), 0o644); err != nil {
		os.Remove(privPath)
		return fmt.Errorf("writing public key: %w", err)
	}
	return nil
}
