package cache

import (
	"bytes"
	"io"
	"slices"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// FuzzDecompressor: a binary cache's NAR file is untrusted until its NarHash matches, and
// that hash can only be computed by decompressing it first (a narinfo's signature covers
// NarHash, not FileHash), so whatever a hostile cache serves reaches these decoders. Any
// bytes, under any supported method, must give data or an error, never a panic
// (klauspost/compress before 1.20.2 panicked on some two-block zstd frames, GO-2026-6865).
// Reads stop at 1 MiB, as FetchNAR's reads stop at the narinfo's NarSize.
func FuzzDecompressor(f *testing.F) {
	payload := bytes.Repeat([]byte("nix-archive-1\x00(type regular contents "), 64)
	var gz, zs, x bytes.Buffer
	gw := gzip.NewWriter(&gz)
	gw.Write(payload)
	gw.Close()
	zw, err := zstd.NewWriter(&zs, zstd.WithEncoderConcurrency(1), zstd.WithWindowSize(1<<10))
	if err != nil {
		f.Fatal(err)
	}
	zw.Write(payload) // more than one 1 KiB window: a frame of several blocks
	zw.Close()
	xw, err := xz.NewWriter(&x)
	if err != nil {
		f.Fatal(err)
	}
	xw.Write(payload)
	xw.Close()

	// Valid input of every method the fuzzer mutates, and each decodes to the payload.
	seeds := map[string][]byte{"none": payload, "gzip": gz.Bytes(), "zstd": zs.Bytes(), "xz": x.Bytes()}
	for method, data := range seeds {
		if got := decodeAll(f, method, data); !bytes.Equal(got, payload) {
			f.Fatalf("%s seed decodes to %d bytes, want the %d-byte payload", method, len(got), len(payload))
		}
		for m := range supportedCompressions {
			f.Add(uint8(m), data)
		}
	}
	f.Add(uint8(slices.Index(supportedCompressions, "zstd")), []byte{0x28, 0xb5, 0x2f, 0xfd}) // a zstd magic and nothing else

	f.Fuzz(func(t *testing.T, m uint8, data []byte) {
		method := supportedCompressions[int(m)%len(supportedCompressions)]
		dec, err := decompressor(method, bytes.NewReader(data))
		if err != nil {
			return
		}
		defer dec.Close()
		io.Copy(io.Discard, io.LimitReader(dec, 1<<20))
	})
}

func decodeAll(tb testing.TB, method string, data []byte) []byte {
	tb.Helper()
	dec, err := decompressor(method, bytes.NewReader(data))
	if err != nil {
		tb.Fatalf("%s: %v", method, err)
	}
	defer dec.Close()
	out, err := io.ReadAll(dec)
	if err != nil {
		tb.Fatalf("%s: %v", method, err)
	}
	return out
}
