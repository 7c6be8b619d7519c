package publish

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/kilnbuild/kiln/orchestrator/publish/publishtest"
)

var testArtifacts = []Artifact{
	{ArtifactType: DSSEMediaType, Data: []byte(`{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[]}`),
		Annotations: map[string]string{"predicateType": "https://slsa.dev/provenance/v1"}},
	{ArtifactType: "application/spdx+json", Data: []byte(`{"spdxVersion":"SPDX-2.3"}`)},
	{ArtifactType: "application/vnd.cyclonedx+json", Data: []byte(`{"bomFormat":"CycloneDX"}`)},
}

// targets writes img to each kind of target and returns them with their options.
func targets(t *testing.T, img v1.Image, registryHost string) map[string]Target {
	t.Helper()
	dir := t.TempDir()
	out := map[string]Target{
		"oci":            mustTarget(t, "oci:"+filepath.Join(dir, "layout")+":3.0.11"),
		"docker-archive": mustTarget(t, "docker-archive:"+filepath.Join(dir, "h.tar")+":haproxy:3.0.11"),
		"registry":       mustTarget(t, "docker://"+registryHost+"/kiln/haproxy:3.0.11"),
	}
	for _, tg := range out {
		if _, err := Write(context.Background(), img, tg, WithInsecure(true), fastRetry); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// checkRoundTrip attaches testArtifacts (twice: idempotent) and reads them back.
func checkRoundTrip(t *testing.T, img v1.Image, tg Target) {
	t.Helper()
	ctx := context.Background()
	opts := []Option{WithInsecure(true), fastRetry}
	digests, err := Attach(ctx, img, tg, testArtifacts, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Attach(ctx, img, tg, testArtifacts[:1], opts...); err != nil {
		t.Fatal(err)
	}
	subject, refs, err := Referrers(ctx, tg, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if subject.Digest != digestOf(t, img) {
		t.Errorf("subject %s, want the image %s", subject.Digest, digestOf(t, img))
	}
	if len(refs) != len(testArtifacts) {
		t.Fatalf("%d referrers, want %d: %+v", len(refs), len(testArtifacts), refs)
	}
	byDigest := map[v1.Hash]Referrer{}
	for _, r := range refs {
		byDigest[r.Digest] = r
	}
	for i, a := range testArtifacts {
		r, ok := byDigest[digests[i]]
		if !ok || r.ArtifactType != a.ArtifactType || !bytes.Equal(r.Data, a.Data) {
			t.Errorf("artifact %d (%s): got %+v", i, a.ArtifactType, r)
		}
	}
}

// TestReferrersInMemoryRegistry: go-containerregistry's registry has the referrers API.
func TestReferrersInMemoryRegistry(t *testing.T) {
	srv := httptest.NewServer(registry.New(registry.WithReferrersSupport(true), registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	img := testImage(t, "a", 0)
	tg := mustTarget(t, "docker://"+strings.TrimPrefix(srv.URL, "http://")+"/kiln/haproxy:3.0.11")
	if _, err := Write(context.Background(), img, tg, WithInsecure(true)); err != nil {
		t.Fatal(err)
	}
	checkRoundTrip(t, img, tg)
}

// TestReferrersEveryTarget: the real docker-registry 2.8 (no referrers API: the
// sha256-<hex> tag fallback), an OCI layout and a docker archive give back what was attached.
func TestReferrersEveryTarget(t *testing.T) {
	host := publishtest.StartRegistry(t)
	img := testImage(t, "a", 0)
	for kind, tg := range targets(t, img, host) {
		t.Run(kind, func(t *testing.T) { checkRoundTrip(t, img, tg) })
	}

	// The registry keeps them under the fallback tag, and the envelope under cosign's tag.
	d := digestOf(t, img)
	repo, _ := name.NewRepository(host+"/kiln/haproxy", name.Insecure)
	for _, tag := range []string{"sha256-" + d.Hex, "sha256-" + d.Hex + ".att"} {
		if _, err := remote.Get(repo.Tag(tag)); err != nil {
			t.Errorf("tag %s: %v", tag, err)
		}
	}
	other := testImage(t, "b", 0)
	if _, err := Attach(context.Background(), other, mustTarget(t, "docker://"+host+"/kiln/haproxy:3.0.11"), testArtifacts, WithInsecure(true), fastRetry); err == nil || !strings.Contains(err.Error(), "push it first") {
		t.Errorf("attached to an image the registry does not hold: %v", err)
	}
	att, _ := remote.Image(repo.Tag("sha256-" + d.Hex + ".att"))
	m, _ := att.Manifest()
	if len(m.Layers) != 1 || m.Layers[0].MediaType != DSSEMediaType {
		t.Errorf("cosign attestation image: %+v", m.Layers)
	}
}

// TestOCILayoutStaysUsable: after attaching, the layout's image is still found without a tag
// (by kiln and by skopeo with one), and index.json lists the referrers with their subject.
func TestOCILayoutStaysUsable(t *testing.T) {
	img := testImage(t, "a", 0)
	dir := filepath.Join(t.TempDir(), "layout")
	tg := mustTarget(t, "oci:"+dir+":3.0.11")
	if _, err := Write(context.Background(), img, tg); err != nil {
		t.Fatal(err)
	}
	if _, err := Attach(context.Background(), img, tg, testArtifacts); err != nil {
		t.Fatal(err)
	}
	in, err := Inspect(context.Background(), mustTarget(t, "oci:"+dir))
	if err != nil || in.Digest != digestOf(t, img) {
		t.Fatalf("inspect oci:%s after attach: %v %s", dir, err, in.Digest)
	}
	si := skopeoInspectOf(t, "oci:"+dir+":3.0.11")
	if si.Digest != digestOf(t, img).String() {
		t.Errorf("skopeo sees %s", si.Digest)
	}
	// The image, one entry per referrer, and cosign's attestation image.
	idx, _ := readLayoutIndex(dir)
	kinds := map[string]int{}
	for _, d := range idx.Manifests {
		kinds[d.Annotations[cosignKindAnnotation]]++
	}
	if len(idx.Manifests) != 2+len(testArtifacts) || kinds[cosignKindImage] != 1 || kinds[cosignKindAttestations] != 1 {
		t.Errorf("index.json: %+v", idx.Manifests)
	}
}

// TestReferrersRefuseTampering: a changed blob, a manifest that is not JSON, a referrer of
// another image, a referrers file moved beside another archive — each is refused, naming it.
func TestReferrersRefuseTampering(t *testing.T) {
	ctx := context.Background()
	img := testImage(t, "a", 0)
	other := testImage(t, "b", 0)
	dir := t.TempDir()

	t.Run("oci blob changed", func(t *testing.T) {
		tg := mustTarget(t, "oci:"+filepath.Join(dir, "l1")+":x")
		Write(ctx, img, tg)
		if _, err := Attach(ctx, img, tg, testArtifacts[1:2]); err != nil {
			t.Fatal(err)
		}
		p := layoutBlobPath(tg.Path, sha256Hash(testArtifacts[1].Data))
		os.WriteFile(p, []byte(`{"spdxVersion":"SPDX-2.2"}`), 0o644)
		err := onlyReferrerErr(t, tg)
		var de *DigestError
		var re *ReferrerError
		if !errors.As(err, &de) || !errors.As(err, &re) {
			t.Fatalf("got %v, want a DigestError inside a ReferrerError", err)
		}
		t.Log(err)
	})
	t.Run("oci manifest not JSON", func(t *testing.T) {
		tg := mustTarget(t, "oci:"+filepath.Join(dir, "l2")+":x")
		Write(ctx, img, tg)
		idx, _ := readLayoutIndex(tg.Path)
		junk := []byte("<html>not a manifest</html>")
		writeLayoutBlob(tg.Path, junk)
		idx.Manifests = append(idx.Manifests, v1.Descriptor{MediaType: "application/vnd.oci.image.manifest.v1+json", Digest: sha256Hash(junk), Size: int64(len(junk)), ArtifactType: "application/spdx+json"})
		raw, _ := json.Marshal(idx)
		os.WriteFile(filepath.Join(tg.Path, "index.json"), raw, 0o644)
		err := onlyReferrerErr(t, tg)
		var re *ReferrerError
		if !errors.As(err, &re) || re.Digest != sha256Hash(junk) || !strings.Contains(err.Error(), "not an OCI manifest") {
			t.Fatalf("got %v, want a ReferrerError naming %s", err, sha256Hash(junk))
		}
		t.Log(err)
	})
	t.Run("archive sidecar of another image", func(t *testing.T) {
		a := mustTarget(t, "docker-archive:"+filepath.Join(dir, "a.tar"))
		b := mustTarget(t, "docker-archive:"+filepath.Join(dir, "b.tar"))
		Write(ctx, img, a)
		Write(ctx, other, b)
		if _, err := Attach(ctx, img, a, testArtifacts); err != nil {
			t.Fatal(err)
		}
		data, _ := os.ReadFile(ArchiveReferrersPath(a.Path))
		os.WriteFile(ArchiveReferrersPath(b.Path), data, 0o644)
		if _, _, err := Referrers(ctx, b); err == nil || !strings.Contains(err.Error(), "belongs to another archive") {
			t.Fatalf("got %v, want the referrers file refused for another archive", err)
		} else {
			t.Log(err)
		}
	})
	t.Run("referrer of another image", func(t *testing.T) {
		tg := mustTarget(t, "oci:"+filepath.Join(dir, "l3")+":x")
		Write(ctx, img, tg)
		sub, _, _ := subjectOf(other)
		m, _ := newArtifactManifest(testArtifacts[1], sub)
		err := readReferrer(m.desc, m.raw, digestOf(t, img), func(v1.Descriptor) ([]byte, error) { return m.blob, nil }).Err
		if err == nil || !strings.Contains(err.Error(), "not the image") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("attach to a missing image", func(t *testing.T) {
		tg := mustTarget(t, "oci:"+filepath.Join(dir, "l4")+":x")
		Write(ctx, img, tg)
		if _, err := Attach(ctx, other, tg, testArtifacts); err == nil || !strings.Contains(err.Error(), "not in the layout") {
			t.Fatalf("got %v", err)
		}
	})
}

// onlyReferrerErr lists tg's referrers, expecting exactly one, unreadable, and returns why.
func onlyReferrerErr(t *testing.T, tg Target) error {
	t.Helper()
	_, refs, err := Referrers(context.Background(), tg)
	if err != nil {
		t.Fatalf("one bad referrer failed the whole listing: %v", err)
	}
	if len(refs) != 1 || refs[0].Err == nil || refs[0].Data != nil {
		t.Fatalf("want one unreadable referrer, got %+v", refs)
	}
	return fmt.Errorf("listing %s: %w", tg, refs[0].Err)
}

// TestReferrersRefuseFIFOs: a FIFO where index.json, a referrer blob or a referrers file
// should be is refused at once as not a regular file: listing, inspecting and attaching never
// block on it.
func TestReferrersRefuseFIFOs(t *testing.T) {
	ctx := context.Background()
	img := testImage(t, "a", 0)
	const notRegular = "not a regular file (a FIFO)"
	mkfifo := func(t *testing.T, p string) {
		t.Helper()
		os.Remove(p)
		if err := syscall.Mkfifo(p, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("oci index.json", func(t *testing.T) {
		tg := mustTarget(t, "oci:"+filepath.Join(t.TempDir(), "layout"))
		if _, err := Write(ctx, img, tg); err != nil {
			t.Fatal(err)
		}
		fifo := filepath.Join(tg.Path, "index.json")
		mkfifo(t, fifo)
		for what, f := range map[string]func() error{
			"Referrers": func() error { _, _, err := Referrers(ctx, tg); return err },
			"Attach":    func() error { _, err := Attach(ctx, img, tg, testArtifacts[1:2]); return err },
		} {
			if err := withoutBlocking(t, fifo, f); err == nil || !strings.Contains(err.Error(), notRegular) {
				t.Errorf("%s: error %v; want %q", what, err, notRegular)
			} else {
				t.Log(err)
			}
		}
	})
	t.Run("oci referrer blob", func(t *testing.T) {
		tg := mustTarget(t, "oci:"+filepath.Join(t.TempDir(), "layout"))
		if _, err := Write(ctx, img, tg); err != nil {
			t.Fatal(err)
		}
		if _, err := Attach(ctx, img, tg, testArtifacts[1:2]); err != nil {
			t.Fatal(err)
		}
		fifo := layoutBlobPath(tg.Path, sha256Hash(testArtifacts[1].Data))
		mkfifo(t, fifo)
		err := withoutBlocking(t, fifo, func() error { return onlyReferrerErr(t, tg) })
		if !strings.Contains(err.Error(), notRegular) {
			t.Errorf("referrer error %v; want %q", err, notRegular)
		}
		t.Log(err)
	})
	t.Run("archive referrers file", func(t *testing.T) {
		tg := mustTarget(t, "docker-archive:"+filepath.Join(t.TempDir(), "img.tar"))
		if _, err := Write(ctx, img, tg); err != nil {
			t.Fatal(err)
		}
		fifo := ArchiveReferrersPath(tg.Path)
		mkfifo(t, fifo)
		var in Inspection
		err := withoutBlocking(t, fifo, func() error { var err error; in, err = Inspect(ctx, tg); return err })
		if err != nil || !strings.Contains(in.ReferrersError, notRegular) {
			t.Errorf("Inspect: error %v, referrers error %q; want %q", err, in.ReferrersError, notRegular)
		}
		err = withoutBlocking(t, fifo, func() error { _, err := Attach(ctx, img, tg, testArtifacts[1:2]); return err })
		if err == nil || !strings.Contains(err.Error(), notRegular) || !strings.Contains(err.Error(), "remove it") {
			t.Errorf("Attach: error %v; want %q and what to do", err, notRegular)
		}
		t.Log(err)
	})
	t.Run("archive", func(t *testing.T) {
		tg := mustTarget(t, "docker-archive:"+filepath.Join(t.TempDir(), "img.tar"))
		mkfifo(t, tg.Path)
		err := withoutBlocking(t, tg.Path, func() error { _, err := Attach(ctx, img, tg, testArtifacts[1:2]); return err })
		if err == nil || !strings.Contains(err.Error(), "no docker archive there") {
			t.Errorf("Attach: error %v; want no docker archive there", err)
		}
	})
}

// withoutBlocking returns what f returns, failing the test if f has not returned after 5 s
// (it would block forever on the FIFO fifo, which is then opened for writing so f ends).
func withoutBlocking(t *testing.T, fifo string, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		if w, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			w.Close()
		}
		t.Fatalf("blocked for 5 s on the FIFO %s", fifo)
		return nil
	}
}
