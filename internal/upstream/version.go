package upstream

import (
	"strconv"
	"strings"
)

// parseVersion splits a release number of dotted decimal parts (3.0.11, 10.46). Anything
// else (3.2-dev1, 3.6.0-alpha1, 5.4.0-rc2) is not a release and reports false.
func parseVersion(v string) ([]int, bool) {
	if v == "" {
		return nil, false
	}
	parts := strings.Split(v, ".")
	out := make([]int, len(parts))
	for i, p := range parts {
		if p == "" || len(p) > 9 || strings.TrimLeft(p, "0123456789") != "" {
			return nil, false
		}
		out[i], _ = strconv.Atoi(p)
	}
	return out, true
}

// IsRelease reports whether v is a release number (dotted decimal parts only).
func IsRelease(v string) bool {
	_, ok := parseVersion(v)
	return ok
}

// Compare orders two release numbers: -1, 0 or +1. A missing part counts as 0 (1.3 = 1.3.0).
// Strings that are not release numbers sort before every release, and among themselves
// by byte order.
func Compare(a, b string) int {
	pa, oka := parseVersion(a)
	pb, okb := parseVersion(b)
	switch {
	case !oka && !okb:
		return strings.Compare(a, b)
	case !oka:
		return -1
	case !okb:
		return 1
	}
	for i := 0; i < max(len(pa), len(pb)); i++ {
		x, y := 0, 0
		if i < len(pa) {
			x = pa[i]
		}
		if i < len(pb) {
			y = pb[i]
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

// BranchOf is the first depth parts of v: BranchOf("3.0.11", 2) = "3.0". A version with
// fewer parts is its own branch.
func BranchOf(v string, depth int) string {
	parts := strings.Split(v, ".")
	if depth < len(parts) {
		parts = parts[:depth]
	}
	return strings.Join(parts, ".")
}
