// Package nixbase32 is Nix's base-32 encoding of hashes (store path hash parts,
// narinfo hashes): its own alphabet and bit order.
package nixbase32

import (
	"fmt"
)

// alphabet is Nix's own base-32 alphabet: RFC 4648's is not used, and the letters
// e, o, u and t are left out so that hashes can't spell rude words.
const alphabet = "0123456789abcdfghijklmnpqrsvwxyz"

// index maps a byte to its digit value, or -1 for bytes outside the alphabet.
var index = func() [256]int8 {
	var idx [256]int8
	for i := range idx {
		idx[i] = -1
	}
	for i := 0; i < len(alphabet); i++ {
		idx[alphabet[i]] = int8(i)
	}
	return idx
}()

// EncodedLen is the length of the nix-base32 text for n bytes.
func EncodedLen(n int) int {
	if n == 0 {
		return 0
	}
	return (n*8-1)/5 + 1
}

// Encode renders b in nix-base32, the form `nix hash to-base32` prints.
//
// Nix reads the bytes as one little-endian bit string and prints its 5-bit digits from
// the most significant end, so this is not RFC 4648 base32 with another alphabet: the bit
// order is reversed too, and there is no padding.
func Encode(b []byte) string {
	n := EncodedLen(len(b))
	out := make([]byte, 0, n)
	for i := n - 1; i >= 0; i-- {
		bit := i * 5
		idx, shift := bit/8, uint(bit%8)
		c := b[idx] >> shift
		if idx+1 < len(b) {
			c |= b[idx+1] << (8 - shift)
		}
		out = append(out, alphabet[c&0x1f])
	}
	return string(out)
}

// Decode parses nix-base32 text; its length must be one Encode produces.
func Decode(s string) ([]byte, error) {
	n := len(s) * 5 / 8
	if EncodedLen(n) != len(s) {
		return nil, fmt.Errorf("invalid nix-base32 %q: length %d is not that of a whole number of bytes", s, len(s))
	}
	out := make([]byte, n)
	for i := 0; i < len(s); i++ {
		d := index[s[len(s)-1-i]]
		if d < 0 {
			return nil, fmt.Errorf("invalid nix-base32 %q: bad character %q", s, s[len(s)-1-i])
		}
		bit := i * 5
		idx, shift := bit/8, uint(bit%8)
		out[idx] |= byte(uint(d) << shift)
		carry := uint(d) >> (8 - shift)
		if idx+1 < n {
			out[idx+1] |= byte(carry)
		} else if carry != 0 {
			// The top digit has bits beyond the last byte: Nix rejects this too, and
			// accepting it would let two spellings stand for one hash.
			return nil, fmt.Errorf("invalid nix-base32 %q: value overflows %d bytes", s, n)
		}
	}
	return out, nil
}

// Valid reports whether c is a nix-base32 digit.
func Valid(c byte) bool { return index[c] >= 0 }
