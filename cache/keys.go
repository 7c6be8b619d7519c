package cache

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
)

// PublicKey is a named Ed25519 public key, "name:base64(32 bytes)" in Nix's text form.
type PublicKey struct {
	Name string
	Key  ed25519.PublicKey
}

// SecretKey is a named Ed25519 secret key, "name:base64(64 bytes)" in Nix's text form,
// as `nix key generate-secret` writes it (seed followed by public key, like Go's).
type SecretKey struct {
	Name string
	Key  ed25519.PrivateKey
}

// parseNamedKey splits "name:base64" and decodes it to size bytes.
func parseNamedKey(kind, s string, size int) (string, []byte, error) {
	// Key files usually end in a newline; the text form itself has no whitespace.
	s = strings.TrimSpace(s)
	name, b64, ok := strings.Cut(s, ":")
	if !ok || name == "" || b64 == "" {
		return "", nil, fmt.Errorf("invalid %s key: want name:base64", kind)
	}
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return "", nil, fmt.Errorf("invalid %s key %q: %w", kind, name, err)
	}
	if len(key) != size {
		return "", nil, fmt.Errorf("invalid %s key %q: %d bytes, want %d", kind, name, len(key), size)
	}
	return name, key, nil
}

// ParsePublicKey parses "name:base64(32-byte key)", as in Nix's trusted-public-keys.
func ParsePublicKey(s string) (PublicKey, error) {
	name, key, err := parseNamedKey("public", s, ed25519.PublicKeySize)
	if err != nil {
		return PublicKey{}, err
	}
	return PublicKey{Name: name, Key: ed25519.PublicKey(key)}, nil
}

// ParseSecretKey parses "name:base64(64-byte key)", the content of a Nix secret key file.
func ParseSecretKey(s string) (SecretKey, error) {
	name, key, err := parseNamedKey("secret", s, ed25519.PrivateKeySize)
	if err != nil {
		return SecretKey{}, err
	}
	sk := SecretKey{Name: name, Key: ed25519.PrivateKey(key)}
	// The second half is the public key; a file where it doesn't match its seed would
	// sign with one key and advertise another.
	if !sk.Public().Key.Equal(ed25519.NewKeyFromSeed(sk.Key.Seed()).Public()) {
		return SecretKey{}, fmt.Errorf("invalid secret key %q: public half does not match seed", name)
	}
	return sk, nil
}

// GenerateKey makes a new key pair named name and returns both in Nix's text form, as
// `nix key generate-secret` and `nix key convert-secret-to-public` would.
func GenerateKey(name string) (secret, public string, err error) {
	if name == "" || strings.ContainsAny(name, ": \t\n") {
		return "", "", fmt.Errorf("invalid key name %q: must be non-empty, without ':' or spaces", name)
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", "", fmt.Errorf("generating key %q: %w", name, err)
	}
	return SecretKey{name, priv}.Text(), PublicKey{name, pub}.String(), nil
}

// Public returns the public half of the key, under the same name.
func (k SecretKey) Public() PublicKey {
	return PublicKey{Name: k.Name, Key: k.Key.Public().(ed25519.PublicKey)}
}

// Text renders the key as "name:base64", the content of a Nix secret key file.
func (k SecretKey) Text() string {
	return k.Name + ":" + base64.StdEncoding.EncodeToString(k.Key)
}

// String names the key but hides it, so that printing or logging a SecretKey by
// accident doesn't leak it; use Text for the key file's content.
func (k SecretKey) String() string {
	return k.Name + ":<secret>"
}

// String renders the key as "name:base64", the form of Nix's trusted-public-keys.
func (k PublicKey) String() string {
	return k.Name + ":" + base64.StdEncoding.EncodeToString(k.Key)
}

// signDetached returns "name:base64(signature)" over data, Nix's Sig value.
func (k SecretKey) signDetached(data string) string {
	return k.Name + ":" + base64.StdEncoding.EncodeToString(ed25519.Sign(k.Key, []byte(data)))
}
