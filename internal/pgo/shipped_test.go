package pgo

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/kilnbuild/kiln/nixgen/spec"
)

// The profile kiln ships for `kiln init --speed` must be a profile of that very build:
// recorded for the same source, features, toolchain, flags and recipes. A change to any of
// them (a recipe edit, a version bump of the default spec) fails here, before any build,
// with the command that records it again.
func TestShippedSpeedProfileIsCurrent(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "kiln.toml")
	if err := os.WriteFile(path, spec.SpeedTOML(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := spec.WriteDefaultFiles(dir); err != nil { // the patches it names, as kiln init writes them
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, spec.SpeedProfileName), spec.SpeedProfile, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := spec.Load(path)
	if err != nil {
		t.Fatalf("kiln init --speed's spec does not load: %v", err)
	}
	if s.Build.Optimize != spec.OptimizeSpeed || s.Build.Profile == nil {
		t.Fatalf("kiln init --speed's spec: optimize %q, profile %+v; want speed with a profile", s.Build.Optimize, s.Build.Profile)
	}
	data, err := s.ProfileData()
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(data, s); err != nil {
		t.Fatalf("the profile kiln ships for `kiln init --speed` is stale: %v\nrecord it again with `make speed-profile` and commit nixgen/spec/%s", err, spec.SpeedProfileName)
	}
	// Apart from optimize and the pinned profile, it is the default spec.
	def := spec.Default()
	s.Build.Optimize, s.Build.Profile = def.Build.Optimize, nil
	if !reflect.DeepEqual(s.Build, def.Build) || !reflect.DeepEqual(s.Package, def.Package) || !reflect.DeepEqual(s.Features, def.Features) ||
		!reflect.DeepEqual(s.Sources, def.Sources) || !reflect.DeepEqual(s.Image, def.Image) || s.SpecVersion != def.SpecVersion {
		t.Errorf("kiln init --speed's spec differs from the default in more than optimize and build.profile:\n%+v\n%+v", s, def)
	}
}
