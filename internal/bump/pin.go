package bump

import (
	"fmt"
	"strings"

	"github.com/kilnbuild/kiln/internal/tomlpos"
	"github.com/kilnbuild/kiln/nixgen/spec"
)

// Pin is one source a spec builds from: its component, the table holding its version,
// url and sha256, and their values.
type Pin struct {
	// Name is the component: the package's name (haproxy) or a library (lua, pcre2,
	// openssl, zlib).
	Name string `json:"name"`
	// Table is the TOML table holding the three values: "package" or "sources.<name>".
	Table string `json:"table"`
	// Version, URL and SHA256 are what the spec pins.
	Version string `json:"version"`
	URL     string `json:"url"`
	SHA256  string `json:"sha256"`
	// Default is true when the spec has no [sources.<name>] table and kiln's library
	// default applies; bump then writes an explicit table.
	Default bool `json:"default,omitempty"`
	// Line is the line of the version key (0 for a default).
	Line int `json:"line,omitempty"`
	// Patches is how many patches the build applies to this source (the spec's, or those of
	// kiln's default source): the pinned version is not the release as published.
	Patches int `json:"patches,omitempty"`
}

// pins lists the spec's sources: the package, then each library an enabled feature links.
func pins(s *spec.Spec, d *tomlpos.Document) []Pin {
	p := s.Package
	out := []Pin{{Name: p.Name, Table: "package", Version: p.Version, URL: p.URL, SHA256: p.SHA256, Line: d.Keys["package.version"], Patches: len(p.Patches)}}
	for _, dep := range s.Deps() {
		table := "sources." + dep.Name
		_, inFile := d.Keys[table+".version"]
		out = append(out, Pin{Name: dep.Name, Table: table, Version: dep.Source.Version, URL: dep.Source.URL,
			SHA256: dep.Source.SHA256, Default: !inFile, Line: d.Keys[table+".version"], Patches: len(dep.Source.Patches)})
	}
	return out
}

// selectPins keeps the pin named only ("" = all).
func selectPins(all []Pin, only string) ([]Pin, error) {
	if only == "" {
		return all, nil
	}
	var names []string
	for _, p := range all {
		if p.Name == only {
			return []Pin{p}, nil
		}
		names = append(names, p.Name)
	}
	return nil, fmt.Errorf("--only %s: the spec builds no %s; it pins %s", only, only, strings.Join(names, ", "))
}

// where names a pin's location for messages: "haproxy.toml:9: package.version".
func (p Pin) where(file string) string {
	if p.Default {
		return fmt.Sprintf("%s: kiln's default %s source (no [%s] table)", file, p.Name, p.Table)
	}
	return fmt.Sprintf("%s:%d: %s.version", file, p.Line, p.Table)
}
