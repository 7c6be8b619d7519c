// Package libdeflate compresses buffers into gzip members with libdeflate,
// compiled in from the vendored C sources of one pinned version (see
// README.md), so that the same input gives the same bytes on every host.
//
// Building it needs cgo (a C compiler and libc headers).
package libdeflate

/*
#cgo CFLAGS: -O2 -DNDEBUG
#include <stdlib.h>
#include "upstream/libdeflate.h"
*/
import "C"

import (
	"fmt"
	"unsafe"
)

// Version is the vendored libdeflate's version.
const Version = C.LIBDEFLATE_VERSION_STRING

// MinLevel and MaxLevel bound the compression levels libdeflate accepts: 0
// stores the data uncompressed, 12 compresses the most and slowest.
const (
	MinLevel = 0
	MaxLevel = 12
)

// LevelError reports a compression level outside MinLevel..MaxLevel.
type LevelError struct{ Level int }

func (e *LevelError) Error() string {
	return fmt.Sprintf("libdeflate: compression level %d is out of range (want %d to %d)", e.Level, MinLevel, MaxLevel)
}

// Gzip compresses src at level into a single gzip member (RFC 1952) and
// returns it. The output depends only on src and level: the header has no
// file name, no comment, MTIME 0, XFL from the level (2 for levels 8 and
// up) and OS 255 (unknown); libdeflate's CPU-specific code paths (CRC-32,
// matchfinder initialisation) compute the same values as its portable ones.
// The member's ISIZE is len(src) modulo 2^32, as RFC 1952 specifies.
//
// It compresses the whole buffer in one call; memory is src, the output
// bound and the compressor's own tables (a few MB at the highest levels).
func Gzip(src []byte, level int) ([]byte, error) {
	if level < MinLevel || level > MaxLevel {
		return nil, &LevelError{Level: level}
	}
	c := C.libdeflate_alloc_compressor(C.int(level))
	if c == nil {
		return nil, fmt.Errorf("libdeflate: cannot allocate a level-%d compressor (out of memory)", level)
	}
	defer C.libdeflate_free_compressor(c)

	// libdeflate takes a pointer even for empty input; give it a valid one.
	in := src
	if len(in) == 0 {
		in = make([]byte, 1)
	}
	bound := C.libdeflate_gzip_compress_bound(c, C.size_t(len(src)))
	out := make([]byte, int(bound))
	n := C.libdeflate_gzip_compress(c, unsafe.Pointer(&in[0]), C.size_t(len(src)), unsafe.Pointer(&out[0]), bound)
	if n == 0 {
		// Cannot happen with an output buffer of the bound's size.
		return nil, fmt.Errorf("libdeflate: %d B did not fit in the %d-B gzip bound", len(src), int(bound))
	}
	return out[:int(n)], nil
}
