package publish

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/kilnbuild/kiln/internal/files"
)

// ArchiveReferrersSuffix names the file beside a docker archive that holds what is attached
// to its image: FILE.tar → FILE.tar.referrers.json. A docker archive has no place for
// referrers, and keeps no manifest (loading it makes one), so the file carries both.
const ArchiveReferrersSuffix = ".referrers.json"

// ArchiveReferrersMediaType identifies the file's format.
const ArchiveReferrersMediaType = "application/vnd.dev.kiln.referrers.v1+json"

// ArchiveReferrers is the format of FILE.referrers.json: OCI descriptors whose data field
// holds the content they describe, so every byte is checked against a digest when read.
// Subject is the image manifest (the docker archive's image is the one whose config digest
// the manifest names); Manifests are the referrer manifests, the same bytes (and digests) as
// in a registry or an OCI layout; Blobs are their config and layer blobs.
type ArchiveReferrers struct {
	MediaType string          `json:"mediaType"`
	Subject   v1.Descriptor   `json:"subject"`
	Manifests []v1.Descriptor `json:"manifests"`
	Blobs     []v1.Descriptor `json:"blobs"`
}

// ArchiveReferrersPath is the referrers file of the docker archive at file.
func ArchiveReferrersPath(file string) string { return filepath.Clean(file) + ArchiveReferrersSuffix }

// attachArchive adds ms to the archive's referrers file, written whole to a temporary file
// and renamed. A file about another image (the archive was rewritten since) is replaced.
func attachArchive(ctx context.Context, t Target, subject v1.Descriptor, rawSubject []byte, ms []*artifactManifest) error {
	file := filepath.Clean(t.Path)
	wrap := func(err error) error { return fmt.Errorf("attaching to docker archive %s: %w", file, err) }
	if !isDockerArchive(file) {
		return wrap(errors.New("no docker archive there: write the image first"))
	}
	side := ArchiveReferrersPath(file)
	ar := ArchiveReferrers{MediaType: ArchiveReferrersMediaType}
	if old, err := readArchiveReferrers(side); err == nil && old.Subject.Digest == subject.Digest {
		ar = *old
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return wrap(fmt.Errorf("%s: %w: remove it to start afresh", side, err))
	}
	ar.Subject = v1.Descriptor{MediaType: subject.MediaType, Size: subject.Size, Digest: subject.Digest, Data: rawSubject}
	haveM := map[v1.Hash]bool{}
	for _, d := range ar.Manifests {
		haveM[d.Digest] = true
	}
	haveB := map[v1.Hash]bool{}
	for _, d := range ar.Blobs {
		haveB[d.Digest] = true
	}
	for _, m := range ms {
		if err := ctx.Err(); err != nil {
			return wrap(err)
		}
		if !haveM[m.desc.Digest] {
			d := m.desc
			d.Data = m.raw
			ar.Manifests = append(ar.Manifests, d)
			haveM[d.Digest] = true
		}
		for _, b := range []v1.Descriptor{{MediaType: emptyConfig.MediaType, Size: 2, Digest: emptyConfig.Digest, Data: emptyConfig.Data}, {MediaType: m.blobDesc.MediaType, Size: m.blobDesc.Size, Digest: m.blobDesc.Digest, Data: m.blob}} {
			if !haveB[b.Digest] {
				ar.Blobs = append(ar.Blobs, b)
				haveB[b.Digest] = true
			}
		}
	}
	raw, err := json.MarshalIndent(ar, "", "  ")
	if err != nil {
		return wrap(err)
	}
	if err := files.WriteFile(side, append(raw, '\n'), 0o644); err != nil {
		return wrap(explainFS(filepath.Dir(side), err))
	}
	return nil
}

// ErrNothingAttached is a docker archive without a referrers file beside it.
var ErrNothingAttached = errors.New("nothing is attached to this archive")

// readArchiveReferrers reads the referrers file at p (only a regular file: see files.Open).
// Its errors do not name p: its callers do.
func readArchiveReferrers(p string) (*ArchiveReferrers, error) {
	raw, err := files.ReadFile(p, 0)
	var pe *fs.PathError
	if errors.As(err, &pe) && pe.Path == p {
		return nil, pe.Err
	}
	if err != nil {
		return nil, err
	}
	var ar ArchiveReferrers
	if err := json.Unmarshal(raw, &ar); err != nil {
		return nil, fmt.Errorf("not a kiln referrers file (invalid JSON: %v)", err)
	}
	if ar.MediaType != ArchiveReferrersMediaType {
		return nil, fmt.Errorf("media type %q, not %s", ar.MediaType, ArchiveReferrersMediaType)
	}
	return &ar, nil
}

// archiveReferrers reads the referrers file of the archive at t.Path. The subject manifest
// it carries must hash to its digest and name the archive's own config, so the referrers
// cannot be moved beside another image.
func archiveReferrers(ctx context.Context, t Target, opts []Option) (v1.Descriptor, []Referrer, error) {
	file := filepath.Clean(t.Path)
	side := ArchiveReferrersPath(file)
	ar, err := readArchiveReferrers(side)
	if errors.Is(err, fs.ErrNotExist) {
		return v1.Descriptor{}, nil, fmt.Errorf("no %s: %w", side, ErrNothingAttached)
	}
	if err != nil {
		return v1.Descriptor{}, nil, fmt.Errorf("%s: %w", side, err)
	}
	subject := ar.Subject
	if got := sha256Hash(subject.Data); got != subject.Digest {
		return v1.Descriptor{}, nil, &DigestError{What: side + ": subject manifest", Want: subject.Digest, Got: got}
	}
	var m v1.Manifest
	if err := json.Unmarshal(subject.Data, &m); err != nil {
		return v1.Descriptor{}, nil, fmt.Errorf("%s: subject is not an image manifest: %w", side, err)
	}
	img, err := Open(ctx, t, opts...)
	if err != nil {
		return v1.Descriptor{}, nil, fmt.Errorf("reading %s: %w", file, err)
	}
	cfg, err := img.ConfigName()
	if err != nil {
		return v1.Descriptor{}, nil, fmt.Errorf("reading %s: %w", file, err)
	}
	if cfg != m.Config.Digest {
		return v1.Descriptor{}, nil, fmt.Errorf("%s is about the image with config %s, but %s holds config %s: the archive was rewritten or the file belongs to another archive", side, m.Config.Digest, file, cfg)
	}
	blobs := map[v1.Hash][]byte{}
	for _, b := range ar.Blobs {
		blobs[b.Digest] = b.Data
	}
	var refs []Referrer
	for _, d := range ar.Manifests {
		refs = append(refs, readReferrer(d, d.Data, subject.Digest, func(l v1.Descriptor) ([]byte, error) {
			data, ok := blobs[l.Digest]
			if !ok {
				return nil, fmt.Errorf("not in %s", side)
			}
			return data, nil
		}))
	}
	subject.Data = nil
	return subject, refs, nil
}
