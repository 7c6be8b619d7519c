package cache

import (
	"fmt"
)

// base32Alphabet is Nix's own base-32 alphabet: RFC 4648's is not used, and the letters
// e, o, u and t are left out so that hashes can't spell rude words.
const base32Alphabet = "0123456789abcdfghijklmnpqrsvwxyz"

// base32Index maps a byte to its digit value, or -1 for bytes outside the alphabet.
var base32Index = func() [256]int8 {
	var idx [256]int8
	for i := range idx {
		idx[i] = -1
	}
	for i := 0; i < len(base32Alphabet); i++ {
		idx[base32Alphabet[i]] = int8(i)
	}
	return idx
}()

// Base32EncodedLen is the length of the nix-base32 text for n bytes.
func Base32EncodedLen(n int) int {
	if n == 0 {
		return 0
	}
	return (n*8-1)/5 + 1
}

// EncodeBase32 renders b in nix-base32, the form `nix hash to-base32` prints.
//
// Nix reads the bytes as one little-endian bit string and prints its 5-bit digits from
// the most significant end, so this is not RFC 4648 base32 with another alphabet: the bit
// order is reversed too, and there is no padding.
func EncodeBase32(b []byte) string {
	n := Base32EncodedLen(len(b))
	out := make([]byte, 0, n)
	for i := n - 1; i >= 0; i-- {
		bit := i * 5
		idx, shift := bit/8, uint(bit%8)
		c := b[idx] >> shift
		if idx+1 < len(b) {
			c |= b[idx+1] << (8 - shift)
		}
		out = append(out, base32Alphabet[c&0x1f])
	}
	return string(out)
}

// DecodeBase32 parses nix-base32 text; its length must be one EncodeBase32 produces.
func DecodeBase32(s string) ([]byte, error) {
	n := len(s) * 5 / 8
	if Base32EncodedLen(n) != len(s) {
		return nil, fmt.Errorf("invalid nix-base32 %q: length %d is not that of a whole number of bytes", s, len(s))
	}
	out := make([]byte, n)
	for i := 0; i < len(s); i++ {
		d := base32Index[s[len(s)-1-i]]
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
