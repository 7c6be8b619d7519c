package nix

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// ParsePathInfo reads `nix path-info --json` output in either of the shapes Nix has
// printed: an array of objects that carry their "path" (Nix up to 2.18), or an object keyed
// by store path (Nix 2.19 and later). A path that is not valid — `"valid": false` in the
// array, null in the object — is an error naming it, never an entry without a hash.
// The result is sorted by path.
func ParsePathInfo(data []byte) ([]PathInfo, error) {
	data = bytes.TrimSpace(data)
	var infos []PathInfo
	var invalid []string
	switch {
	case bytes.HasPrefix(data, []byte("[")):
		var entries []struct {
			PathInfo
			Valid *bool `json:"valid"`
		}
		if err := json.Unmarshal(data, &entries); err != nil {
			return nil, fmt.Errorf("reading nix path-info --json output (array): %w", err)
		}
		for _, e := range entries {
			if e.Valid != nil && !*e.Valid {
				invalid = append(invalid, e.Path)
				continue
			}
			infos = append(infos, e.PathInfo)
		}
	case bytes.HasPrefix(data, []byte("{")):
		var byPath map[string]*PathInfo
		if err := json.Unmarshal(data, &byPath); err != nil {
			return nil, fmt.Errorf("reading nix path-info --json output (object): %w", err)
		}
		for p, info := range byPath {
			if info == nil {
				invalid = append(invalid, p)
				continue
			}
			if info.Path != "" && info.Path != p {
				return nil, fmt.Errorf("reading nix path-info --json output: entry %s says it is %s", p, info.Path)
			}
			info.Path = p
			infos = append(infos, *info)
		}
	default:
		return nil, fmt.Errorf("reading nix path-info --json output: expected a JSON array or object, got %q", abbreviate(data, 40))
	}
	if len(invalid) > 0 {
		sort.Strings(invalid)
		return nil, fmt.Errorf("reading nix path-info --json output: not valid in the store: %s", strings.Join(invalid, ", "))
	}
	for _, info := range infos {
		if info.Path == "" || info.NarHash == "" {
			return nil, fmt.Errorf("reading nix path-info --json output: an entry has no path or NAR hash (path %q)", info.Path)
		}
	}
	sort.Slice(infos, func(i, j int) bool { return infos[i].Path < infos[j].Path })
	return infos, nil
}

func abbreviate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}
