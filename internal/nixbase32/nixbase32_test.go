package nixbase32

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/kilnbuild/kiln/internal/testenv"
)

// base32Vectors were printed by Nix 2.8: `nix hash to-base32 --type ALGO HEX` (the same as
// `nix-hash --type ALGO --to-base32 HEX`), for digests of "", "abc", "hello world" and a NAR.
var base32Vectors = []struct{ algo, hex, nix32 string }{
	{"sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73"},
	{"sha256", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s"},
	{"sha256", "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9", "1sfdxziarxw8j3p80lvswgpq9i7smdyxmmsj5sjhhgjdjfwjfkdr"},
	{"sha256", "18a91840bb9233f6f89082972c123aedd9f01200573ae278c5da48142bb234f7", "1xrln8mi8j6sqmwf4fjp009g1ngd7892r5w2j3wgccwjpd01ia8q"},
	{"sha1", "a9993e364706816aba3e25717850c26c9cd0d89d", "kpcd173cq987hw957sx6m0868wv3x6d9"},
	{"md5", "900150983cd24fb0d6963f7d28e17f72", "3jgzhjhz9zjvbb0kyj7jc500ch"},
	{"sha512", "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f", "2gs8k559z4rlahfx0y688s49m2vvszylcikrfinm30ly9rak69236nkam5ydvly1ai7xac99vxfc4ii84hawjbk876blyk1jfhkbbyx"},
}

func TestBase32Vectors(t *testing.T) {
	for _, v := range base32Vectors {
		raw, _ := hex.DecodeString(v.hex)
		if got := Encode(raw); got != v.nix32 {
			t.Errorf("Encode(%s) = %s, want %s", v.hex, got, v.nix32)
		}
		back, err := Decode(v.nix32)
		if err != nil || !bytes.Equal(back, raw) {
			t.Errorf("Decode(%s) = %x, %v; want %s", v.nix32, back, err, v.hex)
		}
	}
}

func TestBase32RoundTrip(t *testing.T) {
	for n := 0; n <= 70; n++ {
		b := make([]byte, n)
		rand.Read(b)
		s := Encode(b)
		if len(s) != EncodedLen(n) {
			t.Fatalf("len(Encode(%d bytes)) = %d, want %d", n, len(s), EncodedLen(n))
		}
		back, err := Decode(s)
		if err != nil || !bytes.Equal(back, b) {
			t.Fatalf("round trip of %x: got %x, %v", b, back, err)
		}
	}
}

func TestBase32Invalid(t *testing.T) {
	for _, s := range []string{
		"e" + strings.Repeat("0", 51),                          // 'e' is not in Nix's alphabet
		"z" + strings.Repeat("0", 51),                          // top digit overflows 32 bytes
		strings.Repeat("0", 51),                                // no byte count encodes to 51 digits
		"0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c7",  // truncated sha256
		"0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c7T", // upper case
	} {
		if b, err := Decode(s); err == nil {
			t.Errorf("Decode(%q) = %x, want error", s, b)
		}
	}
}

// TestBase32AgainstNix compares random digests with what the installed nix prints.
func TestBase32AgainstNix(t *testing.T) {
	testenv.Require(t, "nix", "nix-hash")
	for algo, size := range map[string]int{"md5": 16, "sha1": 20, "sha256": 32, "sha512": 64} {
		b := make([]byte, size)
		rand.Read(b)
		h := hex.EncodeToString(b)
		out, err := exec.Command("nix-hash", "--type", algo, "--to-base32", h).Output()
		if err != nil {
			t.Fatalf("nix-hash --type %s --to-base32 %s: %v", algo, h, err)
		}
		want := strings.TrimSpace(string(out))
		if got := Encode(b); got != want {
			t.Errorf("%s %s: Encode = %s, nix-hash says %s", algo, h, got, want)
		}
		// And the other direction: nix reads our encoding back to the same bytes.
		out, err = exec.Command("nix-hash", "--type", algo, "--to-base16", Encode(b)).Output()
		if err != nil {
			t.Fatalf("nix-hash --to-base16: %v", err)
		}
		if got := strings.TrimSpace(string(out)); got != h {
			t.Errorf("%s: nix-hash --to-base16 %s = %s, want %s", algo, Encode(b), got, h)
		}
	}
}

func ExampleEncode() {
	raw, _ := hex.DecodeString("a9993e364706816aba3e25717850c26c9cd0d89d") // sha1("abc")
	fmt.Println(Encode(raw))
	// Output: kpcd173cq987hw957sx6m0868wv3x6d9
}
