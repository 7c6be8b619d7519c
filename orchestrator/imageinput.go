package orchestrator

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/kilnbuild/kiln/nixgen/spec"
	"github.com/kilnbuild/kiln/orchestrator/image"
)

// License is the SPDX licence expression of a recipe's package ("" if unknown), for the
// image label and the SBOM.
func License(pkg string) string {
	switch pkg {
	case "haproxy":
		return "GPL-2.0-or-later"
	}
	return ""
}

// ImageInput turns a built spec into the image's filesystem and config: the closure, the
// run user's /etc/passwd and /etc/group, the spec's files, and labels that say what was
// built from what. created is the one timestamp of the image (config, history, mtimes).
// storeRoot is the host directory holding nix/store ("" = the real store).
func ImageInput(s *spec.Spec, res *Result, storeRoot string, created time.Time) (image.Rootfs, image.Config, error) {
	var none image.Config
	uid, gid, err := userIDs(s.Image.User)
	if err != nil {
		return image.Rootfs{}, none, err
	}
	rootfs := image.Rootfs{Root: storeRoot, StorePaths: res.ClosurePaths()}
	rootfs.Files = append(rootfs.Files,
		image.File{Path: "/etc/passwd", Mode: 0o444, Data: []byte(passwd(uid, gid))},
		image.File{Path: "/etc/group", Mode: 0o444, Data: []byte(group(gid))},
	)
	for i, f := range s.Image.Files {
		data, err := s.FileData(i)
		if err != nil {
			return image.Rootfs{}, none, err
		}
		mode, _ := strconv.ParseUint(f.Mode, 8, 32) // validated
		rootfs.Files = append(rootfs.Files, image.File{Path: f.Path, Mode: fs.FileMode(mode), Data: data})
	}

	entrypoint := append([]string(nil), s.Image.Entrypoint...)
	if !strings.Contains(entrypoint[0], "/") {
		prog, err := FindProgram(res.Outputs, storeRoot, entrypoint[0])
		if err != nil {
			return image.Rootfs{}, none, fmt.Errorf("image.entrypoint %q: %w; give an absolute path", entrypoint[0], err)
		}
		entrypoint[0] = prog
	}

	revision, err := SpecDigest(s)
	if err != nil {
		return image.Rootfs{}, none, err
	}
	labels := map[string]string{}
	for k, v := range s.Image.Labels {
		labels[k] = v
	}
	labels["org.opencontainers.image.title"] = s.Image.Name
	labels["org.opencontainers.image.version"] = s.Package.Version
	labels["org.opencontainers.image.source"] = s.Package.URL
	labels["org.opencontainers.image.revision"] = revision
	labels["org.opencontainers.image.created"] = created.UTC().Format(time.RFC3339)
	if l := License(s.Package.Name); l != "" {
		labels["org.opencontainers.image.licenses"] = l
	}
	labels["dev.kiln.toolchain"] = string(s.Build.Toolchain)
	// An image for a later x86-64 level says so: it stops with SIGILL on a CPU without it.
	if s.Build.March != "" {
		labels["dev.kiln.march"] = s.Build.March
	}
	// An image built with a pinned profile names it: the file a rebuild needs (its
	// provenance carries it too).
	if pr := s.Build.Profile; pr != nil {
		labels["dev.kiln.profile"] = "sha256:" + pr.SHA256
	}
	if deps := DepsLabel(s); deps != "" {
		labels["dev.kiln.deps"] = deps
	}
	if ca := s.Image.CABundle; ca != nil {
		labels["dev.kiln.ca_bundle"] = ca.Path + " sha256:" + ca.SHA256
	}
	cfg := image.Config{
		Entrypoint:   entrypoint,
		Cmd:          s.Image.Cmd,
		Env:          s.Image.Env,
		User:         fmt.Sprintf("%d:%d", uid, gid),
		WorkingDir:   s.Image.WorkingDir,
		StopSignal:   s.Image.StopSignal,
		ExposedPorts: s.Image.Ports,
		Labels:       labels,
		Created:      created,
	}
	return rootfs, cfg, nil
}

// DepsLabel is the dev.kiln.deps label: the libraries linked into the package, each with
// its version ("lua 5.4.7, pcre2 10.46 (jit)"), in a fixed order; "" when there are none.
// Their exact sources are in the SBOM: kiln build --json's sources.
func DepsLabel(s *spec.Spec) string {
	var parts []string
	for _, d := range s.Deps() {
		p := d.Name + " " + d.Source.Version
		if d.JIT {
			p += " (jit)"
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, ", ")
}

// FindProgram is the store path of the regular file bin/NAME in the first of a build's
// outputs that has one; storeRoot is the host directory holding nix/store ("" for /).
func FindProgram(outputs []string, storeRoot, name string) (string, error) {
	for _, o := range outputs {
		p := path.Join(o, "bin", name)
		if st, err := os.Stat(filepath.Join(storeRoot, p)); err == nil && st.Mode().IsRegular() {
			return p, nil
		}
	}
	return "", fmt.Errorf("no bin/%s in the build's outputs %v", name, outputs)
}

func userIDs(user string) (uid, gid int, err error) {
	u, g, hasGroup := strings.Cut(user, ":")
	if uid, err = strconv.Atoi(u); err != nil {
		return 0, 0, fmt.Errorf("image.user %q: not numeric", user)
	}
	gid = uid
	if hasGroup {
		if gid, err = strconv.Atoi(g); err != nil {
			return 0, 0, fmt.Errorf("image.user %q: not numeric", user)
		}
	}
	return uid, gid, nil
}

// passwd and group name the run user so tools that look it up find it; the names are
// fixed, only the numbers come from the spec.
func passwd(uid, gid int) string {
	name := "kiln"
	if uid == 65534 {
		name = "nobody"
	}
	return fmt.Sprintf("root:x:0:0:root:/:/sbin/nologin\n%s:x:%d:%d:%s:/nonexistent:/sbin/nologin\n", name, uid, gid, name)
}

func group(gid int) string {
	name := "kiln"
	if gid == 65534 {
		name = "nogroup"
	}
	return fmt.Sprintf("root:x:0:\n%s:x:%d:\n", name, gid)
}

// SpecDigest is the sha256 of the spec's canonical form (CanonicalSpec). It changes exactly
// when what is built or shipped changes; it is the image's revision label.
func SpecDigest(s *spec.Spec) (string, error) {
	data, err := CanonicalSpec(s)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}

// canonicalSpec is the shape of CanonicalSpec's JSON, which EmbeddedSpec reads back.
type canonicalSpec struct {
	*spec.Spec
	FileHashes  []canonicalFile `json:"file_hashes"`
	PatchHashes []string        `json:"patch_hashes"`
	// LibraryPatchHashes are the sha256 of each library's patches (sources.<lib>.patches),
	// by library; absent when no library is patched, so such specs hash as they always did.
	LibraryPatchHashes map[string][]string `json:"library_patch_hashes,omitempty"`
}

// canonicalFile is an image file with the sha256 of its content, its source path dropped.
type canonicalFile struct {
	spec.File
	SHA256 string `json:"sha256"`
}

// CanonicalSpec is the spec's canonical form: every value after defaults (the effective
// toolchain included) and the sha256 of every file it refers to, as JSON with a fixed field
// order. The provenance embeds it, so an image says how to rebuild it.
func CanonicalSpec(s *spec.Spec) ([]byte, error) {
	canon := canonicalSpec{Spec: s}
	for i, f := range s.Image.Files {
		data, err := s.FileData(i)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(data)
		g := f
		g.Source = "" // where the file lives on this machine does not change the image
		canon.FileHashes = append(canon.FileHashes, canonicalFile{File: g, SHA256: hex.EncodeToString(sum[:])})
	}
	for _, set := range s.PatchSets() {
		hs, err := set.Hashes()
		switch {
		case err != nil:
			return nil, err
		case set.Library == "":
			canon.PatchHashes = hs
		case len(hs) > 0:
			if canon.LibraryPatchHashes == nil {
				canon.LibraryPatchHashes = map[string][]string{}
			}
			canon.LibraryPatchHashes[set.Library] = hs
		}
	}
	data, err := json.Marshal(canon)
	if err != nil {
		return nil, fmt.Errorf("encoding spec: %w", err)
	}
	return data, nil
}
