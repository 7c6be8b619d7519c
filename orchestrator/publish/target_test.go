package publish

import (
	"strings"
	"testing"
)

func TestParseTarget(t *testing.T) {
	good := []struct {
		in   string
		want Target
	}{
		{"oci:out", Target{Transport: OCI, Path: "out"}},
		{"oci:/tmp/out:3.0.11", Target{Transport: OCI, Path: "/tmp/out", Ref: "3.0.11"}},
		{"oci:out:haproxy:3.0.11", Target{Transport: OCI, Path: "out", Ref: "haproxy:3.0.11"}},
		{"docker-archive:img.tar", Target{Transport: DockerArchive, Path: "img.tar"}},
		{"docker-archive:img.tar:haproxy:3.0.11", Target{Transport: DockerArchive, Path: "img.tar", Ref: "haproxy:3.0.11"}},
		{"docker://localhost:5000/haproxy:3.0.11", Target{Transport: Registry, Ref: "localhost:5000/haproxy:3.0.11"}},
		{"docker://ghcr.io/kilnbuild/haproxy", Target{Transport: Registry, Ref: "ghcr.io/kilnbuild/haproxy"}},
	}
	for _, g := range good {
		got, err := ParseTarget(g.in)
		if err != nil {
			t.Errorf("ParseTarget(%q): %v", g.in, err)
			continue
		}
		if got != g.want {
			t.Errorf("ParseTarget(%q) = %+v, want %+v", g.in, got, g.want)
		}
		if got.String() != g.in {
			t.Errorf("ParseTarget(%q).String() = %q", g.in, got.String())
		}
	}
	bad := []struct{ in, want string }{
		{"out", "has no transport"},
		{"dir:out", `unknown transport "dir"`},
		{"docker-daemon:haproxy:1", `unknown transport "docker-daemon"`},
		{"oci:", "has no path"},
		{"oci::tag", "has no path"},
		{"oci:out:bad tag", "not a valid OCI ref name"},
		{"docker-archive:", "has no path"},
		{"docker-archive:x.tar:UPPER/Case:1", "not a valid image reference"},
		{"docker:haproxy", "docker://REGISTRY/REPO"},
		{"docker://", "docker://REGISTRY/REPO"},
		{"docker://Bad Ref", "docker://Bad Ref"},
	}
	for _, b := range bad {
		_, err := ParseTarget(b.in)
		if err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("ParseTarget(%q) error %v; want one containing %q", b.in, err, b.want)
		}
	}
}
