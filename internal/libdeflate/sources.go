package libdeflate

import "embed"

// upstreamFiles makes the vendored sources inputs of this package for the Go
// build cache: cgo compiles the C files of the package directory, which only
// include the files under upstream/, and the cache does not follow includes
// into subdirectories, so without this an edited or re-vendored source could
// be silently served from the cache. The tests read it to check SHA256SUMS;
// nothing else does, so the linker leaves it out of kiln.
//
//go:embed upstream
var upstreamFiles embed.FS
