// Package publish writes a v1.Image to an OCI layout directory, a
// docker-archive tarball or a registry, and inspects images in any of them.
//
// Files are written next to the target and renamed into place only when
// complete; a registry tag moves only after every blob has been uploaded.
package publish

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// Transport names where an image is written or read.
type Transport string

const (
	// OCI is an OCI image layout directory: oci:DIR[:TAG].
	OCI Transport = "oci"
	// DockerArchive is a `docker save` tarball that docker/podman load read: docker-archive:FILE[:REF].
	DockerArchive Transport = "docker-archive"
	// Registry is a registry reached over the distribution API: docker://REF.
	Registry Transport = "docker"
)

// Target is a parsed destination or source, in skopeo's syntax.
type Target struct {
	// Transport says which of Path and Ref matter.
	Transport Transport
	// Path is the layout directory (OCI) or the archive file (DockerArchive).
	Path string
	// Ref is the OCI ref.name tag (OCI), the reference recorded in
	// manifest.json's RepoTags such as "haproxy:3.0.11" (DockerArchive), or
	// the image reference such as "localhost:5000/haproxy:3.0.11" (Registry).
	// It may be empty for OCI and DockerArchive.
	Ref string
}

// usage lists the accepted target forms for error messages.
const usage = "use oci:DIR[:TAG], docker-archive:FILE[:REF] or docker://REGISTRY/REPO[:TAG]"

// ociRefRe is the image-spec grammar of org.opencontainers.image.ref.name.
var ociRefRe = regexp.MustCompile(`^[A-Za-z0-9]+(?:(?:[-._:@+]|--)[A-Za-z0-9]+)*(?:/[A-Za-z0-9]+(?:(?:[-._:@+]|--)[A-Za-z0-9]+)*)*$`)

// ParseTarget parses oci:DIR[:TAG], docker-archive:FILE[:REF] or docker://REF.
// As in skopeo, the path ends at its first colon, so DIR and FILE cannot hold one.
func ParseTarget(s string) (Target, error) {
	transport, rest, ok := strings.Cut(s, ":")
	if !ok {
		return Target{}, fmt.Errorf("target %q has no transport: %s (e.g. oci:%s)", s, usage, s)
	}
	switch Transport(transport) {
	case OCI, DockerArchive:
		p, ref, _ := strings.Cut(rest, ":")
		t := Target{Transport: Transport(transport), Path: p, Ref: ref}
		if p == "" {
			return Target{}, fmt.Errorf("target %q has no path: %s", s, usage)
		}
		return t, t.checkRef()
	case Registry:
		ref, ok := strings.CutPrefix(rest, "//")
		if !ok || ref == "" {
			return Target{}, fmt.Errorf("target %q: a registry target is docker://REGISTRY/REPO[:TAG]", s)
		}
		t := Target{Transport: Registry, Ref: ref}
		return t, t.checkRef()
	}
	return Target{}, fmt.Errorf("target %q: unknown transport %q: %s", s, transport, usage)
}

// checkRef validates Ref for the transport.
func (t Target) checkRef() error {
	switch t.Transport {
	case OCI:
		if t.Ref != "" && !ociRefRe.MatchString(t.Ref) {
			return fmt.Errorf("target %s: %q is not a valid OCI ref name (letters, digits, and . _ - : @ + / between them)", t, t.Ref)
		}
	case DockerArchive:
		if t.Ref != "" {
			if _, err := name.NewTag(t.Ref); err != nil {
				return fmt.Errorf("target %s: %q is not a valid image reference such as haproxy:3.0.11: %w", t, t.Ref, err)
			}
		}
	case Registry:
		if _, err := name.ParseReference(t.Ref); err != nil {
			return fmt.Errorf("target %s: %w", t, err)
		}
	default:
		return fmt.Errorf("unknown transport %q: %s", t.Transport, usage)
	}
	return nil
}

// String returns the target in the syntax ParseTarget reads.
func (t Target) String() string {
	switch t.Transport {
	case Registry:
		return "docker://" + t.Ref
	case OCI, DockerArchive:
		if t.Ref == "" {
			return string(t.Transport) + ":" + t.Path
		}
		return string(t.Transport) + ":" + t.Path + ":" + t.Ref
	}
	return string(t.Transport) + ":" + t.Path
}
