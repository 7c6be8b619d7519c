package loadgen

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
)

// TestProseIsFixed: the same words and seeds give the same 64 KiB on every run: the
// benchmark's body (make bench-load's gzip scenario) is these exact bytes, so its gzip
// figures compare across runs and machines.
func TestProseIsFixed(t *testing.T) {
	const words = `the quick brown fox jumps over lazy dog kiln builds small
		reproducible images haproxy serves traffic load balancer request response header
		body buffer connection server client proxy backend frontend timeout memory pool`
	body := Prose(words, 1, 2)
	sum := sha256.Sum256(body)
	if len(body) != BodySize || hex.EncodeToString(sum[:]) != "f4d707aac01ae39aafedeb8deab5e466a13146c27f635c9bc8040c0ff1c73997" {
		t.Errorf("the benchmark's body changed: %d bytes, sha256 %x", len(body), sum)
	}
	if other := Prose("a b c", 7, 11); string(other) == string(body) || len(other) != BodySize {
		t.Error("other words and seeds give the same body")
	}
}
