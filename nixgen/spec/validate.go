package spec

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

var (
	sha256RE  = regexp.MustCompile(`^[0-9a-f]{64}$`)
	nameRE    = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}$`)
	versionRE = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$`)
	tagRE     = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)
	// Store path names allow only these characters; a fetch is named after the URL's last part.
	storeNameRE = regexp.MustCompile(`^[A-Za-z0-9+._?=-][A-Za-z0-9+._?=-]*$`)
	userRE      = regexp.MustCompile(`^([0-9]+)(:([0-9]+))?$`)
	portRE      = regexp.MustCompile(`^([0-9]{1,5})(/(tcp|udp))?$`)
	modeRE      = regexp.MustCompile(`^0?[0-7]{3,4}$`)
	signalRE    = regexp.MustCompile(`^SIG[A-Z0-9]+$`)
	envRE       = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)
	nixpkgsRE   = regexp.MustCompile(`^github:NixOS/nixpkgs/[0-9a-f]{40}$|^(git\+https|https|path)://.*[?&]rev=[0-9a-f]{40}`)
)

// Validate checks the spec's meaning without changing it: required keys, formats (sha256,
// https URLs, numeric users, ports) and conflicting options. It returns Errors (every
// problem, each with file:line and key) or nil. It reads the files the spec refers to
// (patches, image files) only to check they exist.
func (s *Spec) Validate() error {
	v := &validator{s: s}
	s.validate(v)
	if len(v.errs) == 0 {
		return nil
	}
	return v.errs
}

type validator struct {
	s    *Spec
	errs Errors
}

func (v *validator) add(key, format string, args ...any) {
	v.errs = append(v.errs, &Error{File: v.s.file, Line: lineOf(v.s.lines, key), Key: key, Msg: fmt.Sprintf(format, args...)})
}

func (v *validator) required(key, val string) bool {
	if strings.TrimSpace(val) == "" {
		v.add(key, "is required and must not be empty")
		return false
	}
	return true
}

func (s *Spec) validate(v *validator) {
	if s.SpecVersion != Version {
		v.add("spec_version", "is %d; this kiln reads spec_version = %d", s.SpecVersion, Version)
	}

	// package
	p := s.Package
	if v.required("package.name", p.Name) && p.Name != "haproxy" {
		v.add("package.name", "%q has no recipe; kiln builds: haproxy", p.Name)
	}
	if v.required("package.version", p.Version) && !versionRE.MatchString(p.Version) {
		v.add("package.version", "%q: use letters, digits and . + _ - only (it names a Nix store path)", p.Version)
	}
	v.url("package.url", p.URL, true)
	v.sha256("package.sha256", p.SHA256, true)
	for i, pt := range p.Patches {
		key := fmt.Sprintf("package.patches[%d]", i)
		switch {
		case pt.File != "" && (pt.URL != "" || pt.SHA256 != ""):
			v.add(key, "has both file and url/sha256; a patch is either a local file or a url with its sha256")
		case pt.File != "":
			v.localFile(key+".file", pt.File)
		case pt.URL != "" || pt.SHA256 != "":
			v.url(key+".url", pt.URL, true)
			v.sha256(key+".sha256", pt.SHA256, true)
		default:
			v.add(key, "is empty; give file = \"...\" or url + sha256")
		}
	}

	// features
	f := s.Features
	if !f.Compression.Valid() {
		v.add("features.compression", "%q: must be slz, zlib or none", f.Compression)
	}
	if f.PCRE2JIT && !f.PCRE2 {
		v.add("features.pcre2_jit", "is true but features.pcre2 is false; turn pcre2 on or drop pcre2_jit")
	}
	// The compression library is one choice, so slz and zlib cannot both be asked for by
	// features; a zlib source with another compression is that conflict, and so is any
	// source whose feature is off: it would be silently ignored.
	for _, slot := range s.sourceSlots() {
		key := "sources." + slot.name
		src := *slot.src
		switch {
		case src == nil && slot.on:
			v.add(key, "is missing but %s needs it; give version, url and sha256 (kiln's pinned default: %s)", slot.feature, DefaultSources[slot.name].URL)
		case src == nil:
		case !slot.on && slot.name == DepZlib:
			v.add(key, "is set but features.compression = %q: zlib is used only with compression = \"zlib\" (slz and zlib are one choice); set that or remove [%s]", f.Compression, key)
		case !slot.on:
			v.add(key, "is set but %s is off; turn it on or remove [%s]", slot.feature, key)
		default:
			if v.required(key+".version", src.Version) && !versionRE.MatchString(src.Version) {
				v.add(key+".version", "%q: use letters, digits and . + _ - only (it names a Nix store path)", src.Version)
			}
			v.url(key+".url", src.URL, true)
			v.sha256(key+".sha256", src.SHA256, true)
		}
	}

	// build
	b := s.Build
	if err := b.Toolchain.Check(); err != nil {
		v.add("build.toolchain", "%s", err)
	}
	if !b.Optimize.Valid() {
		v.add("build.optimize", "%q: must be size or speed", b.Optimize)
	}
	seen := map[string]bool{}
	for i, w := range b.Hardening {
		key := fmt.Sprintf("build.hardening[%d]", i)
		switch {
		case !contains(HardeningWords, w):
			v.add(key, "%q is not a hardening word; use: %s", w, strings.Join(HardeningWords, ", "))
		case seen[w]:
			v.add(key, "%q is listed twice", w)
		}
		seen[w] = true
	}
	if seen["bindnow"] && !seen["relro"] {
		v.add("build.hardening", "bindnow without relro: full RELRO needs both; add \"relro\"")
	}
	if seen["stripped"] && !b.StripEnabled() {
		v.add("build.strip", "is false but build.hardening asks for \"stripped\"; drop one of them")
	}
	if b.Toolchain == ToolchainNixpkgs {
		if v.required("nixpkgs.url", s.Nixpkgs.URL) && !nixpkgsRE.MatchString(s.Nixpkgs.URL) {
			v.add("nixpkgs.url", "%q is not pinned; use github:NixOS/nixpkgs/<40-hex commit> (or a URL with rev=<commit>)", s.Nixpkgs.URL)
		}
	} else if s.Nixpkgs.URL != "" {
		v.add("nixpkgs.url", "is set but build.toolchain = %q does not use nixpkgs; remove it or use toolchain = \"nixpkgs\"", b.Toolchain)
	}

	// image
	im := s.Image
	if v.required("image.name", im.Name) && !nameRE.MatchString(im.Name) {
		v.add("image.name", "%q: use lower-case letters, digits and . _ - (an OCI repository name)", im.Name)
	}
	if v.required("image.tag", im.Tag) && !tagRE.MatchString(im.Tag) {
		v.add("image.tag", "%q is not a valid OCI tag (letters, digits, _ . -; up to 128)", im.Tag)
	}
	if m := userRE.FindStringSubmatch(im.User); m == nil {
		v.add("image.user", "%q: use a numeric uid or uid:gid (names need /etc/passwd lookups at run time)", im.User)
	} else if m[1] == "0" || m[3] == "0" {
		v.add("image.user", "%q runs as root; use an unprivileged uid:gid such as %s", im.User, DefaultUser)
	}
	for i, port := range im.Ports {
		key := fmt.Sprintf("image.ports[%d]", i)
		m := portRE.FindStringSubmatch(port)
		if m == nil {
			v.add(key, "%q: use PORT or PORT/tcp or PORT/udp", port)
			continue
		}
		if n, _ := strconv.Atoi(m[1]); n < 1 || n > 65535 {
			v.add(key, "%q: port must be 1-65535", port)
		}
	}
	for i, e := range im.Env {
		if !envRE.MatchString(e) {
			v.add(fmt.Sprintf("image.env[%d]", i), "%q: use NAME=value", e)
		}
	}
	if len(im.Entrypoint) == 0 || im.Entrypoint[0] == "" {
		v.add("image.entrypoint", "is required: the program to run (a name in the package's bin/ or an absolute path)")
	}
	if im.WorkingDir != "" && !path.IsAbs(im.WorkingDir) {
		v.add("image.workdir", "%q must be an absolute path", im.WorkingDir)
	}
	if im.StopSignal != "" && !signalRE.MatchString(im.StopSignal) {
		v.add("image.stop_signal", "%q: use a signal name such as SIGUSR1", im.StopSignal)
	}
	if im.Created != "" {
		if _, err := time.Parse(time.RFC3339, im.Created); err != nil {
			v.add("image.created", "%q is not an RFC 3339 time such as 2025-06-02T00:00:00Z", im.Created)
		}
	}
	paths := map[string]bool{}
	// Files kiln derived from other keys are checked under those keys, below.
	userFiles := im.Files[:len(im.Files)-s.derivedFiles]
	for i, f := range userFiles {
		key := fmt.Sprintf("image.files[%d]", i)
		switch {
		case !v.required(key+".path", f.Path):
		case !path.IsAbs(f.Path) || path.Clean(f.Path) != f.Path:
			v.add(key+".path", "%q must be a clean absolute path such as /etc/haproxy/haproxy.cfg", f.Path)
		case strings.HasPrefix(f.Path, "/nix/") || f.Path == "/nix":
			v.add(key+".path", "%q is inside /nix, which holds the build's closure only", f.Path)
		case f.Path == "/etc/passwd" || f.Path == "/etc/group":
			v.add(key+".path", "%q is written by kiln from image.user", f.Path)
		case paths[f.Path]:
			v.add(key+".path", "%q is added twice", f.Path)
		}
		paths[f.Path] = true
		switch {
		case f.Source != "" && f.Content != "":
			v.add(key, "has both source and content; use one")
		case f.Source != "":
			v.localFile(key+".source", f.Source)
		case f.Content == "":
			v.add(key, "needs source = \"file\" or content = \"...\"")
		}
		if !modeRE.MatchString(f.Mode) {
			v.add(key+".mode", "%q: use an octal mode such as \"0444\"", f.Mode)
		} else if m, _ := strconv.ParseUint(f.Mode, 8, 32); m&0o6002 != 0 {
			v.add(key+".mode", "%q is setuid, setgid or world-writable; images carry none", f.Mode)
		}
	}
	if ca := im.CABundle; ca != nil {
		v.caBundle(ca, paths)
	}
	for k := range im.Labels {
		if strings.TrimSpace(k) == "" {
			v.add("image.labels", "has an empty label name")
		}
	}
}

// caBundle checks image.ca_bundle: OpenSSL is on (without it haproxy has no use for
// certificates), the file exists and has the pinned sha256, and its path is free.
func (v *validator) caBundle(ca *CABundle, paths map[string]bool) {
	if !v.s.Features.OpenSSL {
		v.add("image.ca_bundle", "is set but features.openssl is false: haproxy verifies servers' certificates only with OpenSSL; turn it on or remove image.ca_bundle")
	}
	switch {
	case !path.IsAbs(ca.Path) || path.Clean(ca.Path) != ca.Path:
		v.add("image.ca_bundle.path", "%q must be a clean absolute path such as %s", ca.Path, DefaultCABundlePath)
	case strings.HasPrefix(ca.Path, "/nix/") || ca.Path == "/etc/passwd" || ca.Path == "/etc/group":
		v.add("image.ca_bundle.path", "%q is written by kiln; use %s", ca.Path, DefaultCABundlePath)
	case paths[ca.Path]:
		v.add("image.ca_bundle.path", "%q is also an [[image.files]] path; drop one of them", ca.Path)
	}
	if !v.required("image.ca_bundle.source", ca.Source) {
		return
	}
	if !v.sha256("image.ca_bundle.sha256", ca.SHA256, true) {
		return
	}
	got, err := fileSHA256(v.s.Resolve(ca.Source))
	switch {
	case err != nil:
		v.add("image.ca_bundle.source", "%q: %v", ca.Source, unwrapPathErr(err))
	case got != ca.SHA256:
		v.add("image.ca_bundle.sha256", "%s has sha256 %s, not the pinned %s; pin the new bundle if you mean to ship it", ca.Source, got, ca.SHA256)
	}
}

func (v *validator) url(key, raw string, required bool) {
	if raw == "" {
		if required {
			v.add(key, "is required: the https URL of the source")
		}
		return
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		v.add(key, "%q must be an https:// URL (sources are fetched over TLS and pinned by sha256)", raw)
		return
	}
	if base := path.Base(u.Path); !storeNameRE.MatchString(base) || base == "." || base == "/" {
		v.add(key, "%q must end in a file name of letters, digits and + . _ ? = - (it names the fetched store path)", raw)
	}
}

// sha256 checks a pinned hash and reports whether it is one.
func (v *validator) sha256(key, val string, required bool) bool {
	switch {
	case val == "" && required:
		v.add(key, "is required: the source's sha256 (64 hex digits, as sha256sum prints it)")
	case val != "" && !sha256RE.MatchString(val):
		v.add(key, "%q is not a sha256: want 64 lower-case hex digits, as sha256sum prints it", val)
	default:
		return val != ""
	}
	return false
}

// fileSHA256 is the hex sha256 of a regular file the spec refers to. (orchestrator has the
// same helper, but it imports this package, so this one cannot use it.)
func fileSHA256(file string) (string, error) {
	f, err := os.Open(file)
	if err != nil {
		return "", err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", err
	}
	if !st.Mode().IsRegular() {
		return "", fmt.Errorf("not a regular file")
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func (v *validator) localFile(key, rel string) {
	p := v.s.Resolve(rel)
	st, err := os.Stat(p)
	switch {
	case err != nil:
		v.add(key, "%q: %v", rel, unwrapPathErr(err))
	case !st.Mode().IsRegular():
		v.add(key, "%q is not a regular file", rel)
	}
}

// Resolve returns a path from the spec, made absolute against the spec's directory.
func (s *Spec) Resolve(p string) string {
	if filepath.IsAbs(p) || s.dir == "" {
		return p
	}
	return filepath.Join(s.dir, p)
}

func unwrapPathErr(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
