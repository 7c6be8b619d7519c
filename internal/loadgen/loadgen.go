// Package loadgen holds what kiln's load runs share — kiln profile's training and make
// bench-load: a reproducible text body, and a free port on 127.0.0.1.
package loadgen

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net"
	"strings"
)

// BodySize is the size of a Prose body: 64 KiB.
const BodySize = 64 * 1024

// Prose is a 64 KiB text body that compresses like prose (about 3:1 with gzip): words drawn
// from words (space-separated) by a generator seeded with seed1 and seed2, a number and a
// line break now and then. The same arguments give the same bytes on every run and machine.
func Prose(words string, seed1, seed2 uint64) []byte {
	ws := strings.Fields(words)
	rng := rand.New(rand.NewPCG(seed1, seed2))
	var buf bytes.Buffer
	for buf.Len() < BodySize {
		buf.WriteString(ws[rng.IntN(len(ws))])
		if rng.IntN(12) == 0 {
			fmt.Fprintf(&buf, " %d.\n", rng.IntN(100000))
		} else {
			buf.WriteByte(' ')
		}
	}
	return buf.Bytes()[:BodySize]
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
