package spec

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kilnbuild/kiln/internal/files"
	"github.com/kilnbuild/kiln/internal/storepath"
)

var (
	sha256RE  = regexp.MustCompile(`^[0-9a-f]{64}$`)
	nameRE    = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}$`)
	versionRE = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$`)
	tagRE     = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)
	userRE    = regexp.MustCompile(`^([0-9]+)(:([0-9]+))?$`)
	portRE    = regexp.MustCompile(`^([1-9][0-9]{0,4})(/(tcp|udp|sctp))?$`)
	modeRE    = regexp.MustCompile(`^0?[0-7]{3,4}$`)
	signalRE  = regexp.MustCompile(`^SIG[A-Z0-9]+$`)
	envRE     = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)
	nixpkgsRE = regexp.MustCompile(`^github:NixOS/nixpkgs/[0-9a-f]{40}$|^(git\+https|https|path)://.*[?&]rev=[0-9a-f]{40}`)
)

// Validate checks the spec's meaning without changing it: required keys, formats (sha256,
// https URLs, numeric users, ports), conflicting options, and every rule that the image,
// the audit gate or Nix would otherwise enforce only after a build. It returns Errors
// (every problem, each with file:line and key) or nil. It reads the files the spec refers
// to (patches, image files) only to check they are regular files where they may be.
func (s *Spec) Validate() error {
	v := &validator{s: s}
	if s.SpecVersion != Version {
		v.add("spec_version", "is %d; this kiln reads spec_version = %d", s.SpecVersion, Version)
	}
	v.pkg()
	v.features()
	v.build()
	v.image()
	v.files()
	if len(v.errs) == 0 {
		return nil
	}
	// In file order; those without a line (a key missing with its table) last.
	sort.SliceStable(v.errs, func(i, j int) bool {
		li, lj := v.errs[i].Line, v.errs[j].Line
		return li != 0 && (lj == 0 || li < lj)
	})
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

// maxValue bounds every string of a spec but a file's content: names, paths, URLs,
// labels and arguments are short, and a long one is a mistake or an attack.
const maxValue = 4096

// text checks a string that ends up in the image, its config or kiln's output: no
// control characters (a newline or an escape sequence in a label, a path or an argument
// could drive a terminal, or change what a log line says) and not oversized. It reports
// whether the value is fine.
func (v *validator) text(key, val string) bool {
	switch {
	case len(val) > maxValue:
		v.add(key, "is %d bytes long; at most %d", len(val), maxValue)
	case !utf8.ValidString(val):
		v.add(key, "%s is not valid UTF-8", show(val))
	case strings.IndexFunc(val, isControl) >= 0:
		v.add(key, "%s holds a control character (newline, tab, escape, NUL …); remove it", show(val))
	default:
		return true
	}
	return false
}

// isControl reports C0 and C1 control characters and DEL.
func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) }

// show quotes a value for an error message: escaped (so it cannot drive the terminal) and
// shortened, saying how long it was, when it is long.
func show(val string) string {
	const max = 64
	if len(val) <= max {
		return strconv.Quote(val)
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(val[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d bytes)", strconv.Quote(val[:cut]), len(val))
}

func (v *validator) pkg() {
	p := v.s.Package
	if v.required("package.name", p.Name) && v.text("package.name", p.Name) && p.Name != "haproxy" {
		v.add("package.name", "%s has no recipe; kiln builds: haproxy", show(p.Name))
	}
	if v.required("package.version", p.Version) && !versionRE.MatchString(p.Version) {
		v.add("package.version", "%s: use letters, digits and . + _ - only, up to 64 (it names a Nix store path)", show(p.Version))
	}
	v.url("package.url", p.URL, true, true)
	v.sha256("package.sha256", p.SHA256, true)
	v.patches("package.patches", p.Patches)
}

// patches checks a list of patches (package.patches, sources.<lib>.patches) under key.
func (v *validator) patches(key string, list []Patch) {
	for i, pt := range list {
		key := fmt.Sprintf("%s[%d]", key, i)
		switch {
		case pt.File != "" && (pt.URL != "" || pt.SHA256 != ""):
			v.add(key, "has both file and url/sha256; a patch is either a local file or a url with its sha256")
		case pt.kiln:
			if _, err := readFS(defaultFiles, pt.File); err != nil {
				v.add(key+".file", "%s: not among kiln's own patches: %v", show(pt.File), unwrapPathErr(err))
			}
		case pt.File != "":
			v.localFile(key+".file", pt.File)
		case pt.URL != "" || pt.SHA256 != "":
			v.url(key+".url", pt.URL, true, false)
			v.sha256(key+".sha256", pt.SHA256, true)
		default:
			v.add(key, "is empty; give file = \"...\" or url + sha256")
		}
	}
}

func (v *validator) features() {
	f := v.s.Features
	if !f.Compression.Valid() {
		v.add("features.compression", "%s: must be slz, zlib or none", show(string(f.Compression)))
	}
	if f.PCRE2JIT && !f.PCRE2 {
		v.add("features.pcre2_jit", "is true but features.pcre2 is false; turn pcre2 on or drop pcre2_jit")
	}
	// The compression library is one choice, so slz and zlib cannot both be asked for by
	// features; a zlib source with another compression is that conflict, and so is any
	// source whose feature is off: it would be silently ignored.
	for _, slot := range v.s.sourceSlots() {
		key := "sources." + slot.name
		src := *slot.src
		switch {
		case src == nil && slot.on:
			v.add(key, "is missing but %s needs it; give version, url and sha256 (kiln's pinned default: %s)", slot.feature, DefaultSources[slot.name].URL)
		case src == nil:
		case !slot.on && slot.name == DepZlib:
			v.add(key, "is set but features.compression = %s: zlib is used only with compression = \"zlib\" (slz and zlib are one choice); set that or remove [%s]", show(string(f.Compression)), key)
		case !slot.on:
			v.add(key, "is set but %s is off; turn it on or remove [%s]", slot.feature, key)
		default:
			if v.required(key+".version", src.Version) && !versionRE.MatchString(src.Version) {
				v.add(key+".version", "%s: use letters, digits and . + _ - only, up to 64 (it names a Nix store path)", show(src.Version))
			}
			v.url(key+".url", src.URL, true, true)
			v.sha256(key+".sha256", src.SHA256, true)
			v.patches(key+".patches", src.Patches)
		}
	}
}

func (v *validator) build() {
	s := v.s
	b := s.Build
	if err := b.Toolchain.Check(); err != nil {
		v.add("build.toolchain", "%s", err)
	}
	if !b.Optimize.Valid() {
		v.add("build.optimize", "%s: must be size, balanced or speed", show(string(b.Optimize)))
	}
	if b.March != "" && !contains(MarchLevels, b.March) {
		v.add("build.march", "%s: must be %s (leave it out for the baseline every x86-64 CPU runs)", show(b.March), strings.Join(MarchLevels, ", "))
	}
	if pr := b.Profile; pr != nil {
		v.profile(pr)
	}
	seen := map[string]bool{}
	for i, w := range b.Hardening {
		key := fmt.Sprintf("build.hardening[%d]", i)
		switch {
		case !contains(HardeningWords, w):
			v.add(key, "%s is not a hardening word; use: %s", show(w), strings.Join(HardeningWords, ", "))
		case seen[w]:
			v.add(key, "%s is listed twice", show(w))
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
		if v.required("nixpkgs.url", s.Nixpkgs.URL) && (!nixpkgsRE.MatchString(s.Nixpkgs.URL) || !v.text("nixpkgs.url", s.Nixpkgs.URL)) {
			v.add("nixpkgs.url", "%s is not pinned; use github:NixOS/nixpkgs/<40-hex commit> (or a URL with rev=<commit>)", show(s.Nixpkgs.URL))
		}
	} else if s.Nixpkgs.URL != "" {
		v.add("nixpkgs.url", "is set but build.toolchain = %s does not use nixpkgs; remove it or use toolchain = \"nixpkgs\"", show(string(b.Toolchain)))
	}
}

// profile checks build.profile: a file beside the spec pinned by sha256, for a build that
// uses it (ProfileConflicts).
func (v *validator) profile(pr *Profile) {
	for _, c := range v.s.Build.ProfileConflicts() {
		v.add("build.profile", "is set but %s; change that or remove [build.profile]", c)
	}
	if v.required("build.profile.file", pr.File) {
		v.localFile("build.profile.file", pr.File)
	}
	v.sha256("build.profile.sha256", pr.SHA256, true)
}

// reservedLabels are the labels kiln sets from what it built; a spec setting one could
// make an image claim a source, a revision or libraries it does not have.
var reservedLabels = map[string]bool{
	"org.opencontainers.image.title":    true,
	"org.opencontainers.image.version":  true,
	"org.opencontainers.image.source":   true,
	"org.opencontainers.image.revision": true,
	"org.opencontainers.image.created":  true,
	"org.opencontainers.image.licenses": true,
}

func (v *validator) image() {
	im := v.s.Image
	if v.required("image.name", im.Name) && !nameRE.MatchString(im.Name) {
		v.add("image.name", "%s: use lower-case letters, digits and . _ - (an OCI repository name)", show(im.Name))
	}
	// The tag defaults to the version: a version already refused is not refused again as
	// the tag.
	tagIsBadVersion := im.Tag == v.s.Package.Version && !versionRE.MatchString(im.Tag)
	if !tagIsBadVersion && v.required("image.tag", im.Tag) && !tagRE.MatchString(im.Tag) {
		v.add("image.tag", "%s is not a valid OCI tag (letters, digits, _ . -; up to 128)", show(im.Tag))
	}
	v.user(im.User)
	for i, port := range im.Ports {
		key := fmt.Sprintf("image.ports[%d]", i)
		m := portRE.FindStringSubmatch(port)
		if n := 0; m != nil {
			n, _ = strconv.Atoi(m[1])
			if n <= 65535 {
				continue
			}
		}
		v.add(key, "%s: use PORT, PORT/tcp, PORT/udp or PORT/sctp, the port a number from 1 to 65535 without leading zeros", show(port))
	}
	for i, e := range im.Env {
		key := fmt.Sprintf("image.env[%d]", i)
		if v.text(key, e) && !envRE.MatchString(e) {
			v.add(key, "%s: use NAME=value", show(e))
		}
	}
	if len(im.Entrypoint) == 0 || im.Entrypoint[0] == "" {
		v.add("image.entrypoint", "is required: the program to run (a name in the package's bin/ or an absolute path)")
	} else if e := im.Entrypoint[0]; v.text("image.entrypoint[0]", e) && strings.Contains(e, "/") && (!path.IsAbs(e) || path.Clean(e) != e) {
		v.add("image.entrypoint[0]", "%s: give a name in the package's bin/ (such as haproxy) or a clean absolute path", show(e))
	}
	for i, a := range im.Entrypoint[min(1, len(im.Entrypoint)):] {
		v.text(fmt.Sprintf("image.entrypoint[%d]", i+1), a)
	}
	for i, a := range im.Cmd {
		v.text(fmt.Sprintf("image.cmd[%d]", i), a)
	}
	if im.WorkingDir != "" && v.text("image.workdir", im.WorkingDir) && (!path.IsAbs(im.WorkingDir) || path.Clean(im.WorkingDir) != im.WorkingDir) {
		v.add("image.workdir", "%s must be a clean absolute path", show(im.WorkingDir))
	}
	if im.StopSignal != "" && !signalRE.MatchString(im.StopSignal) {
		v.add("image.stop_signal", "%s: use a signal name such as SIGUSR1", show(im.StopSignal))
	}
	if im.Created != "" {
		t, err := time.Parse(time.RFC3339, im.Created)
		switch {
		case err != nil:
			v.add("image.created", "%s is not an RFC 3339 time such as 2025-06-02T00:00:00Z", show(im.Created))
		case t.Before(time.Unix(1, 0)):
			v.add("image.created", "%s is before 1970-01-01T00:00:01Z; a tar mtime cannot be", show(im.Created))
		}
	}
	keys := make([]string, 0, len(im.Labels))
	for k := range im.Labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		key := "image.labels." + k
		switch {
		case strings.TrimSpace(k) == "":
			v.add("image.labels", "has an empty label name")
		case !v.text("image.labels", k):
		case strings.HasPrefix(k, "dev.kiln."):
			v.add(key, "is kiln's namespace: dev.kiln.* labels say what kiln built and are set by kiln only; choose another name")
		case reservedLabels[k]:
			v.add(key, "is set by kiln from what it built (package, source, spec digest, created time); remove it")
		default:
			v.text(key, im.Labels[k])
		}
	}
}

// user checks image.user: numeric uid[:gid], not root, no leading zeros, not (uid_t)-1.
func (v *validator) user(user string) {
	m := userRE.FindStringSubmatch(user)
	if m == nil {
		v.add("image.user", "%s: use a numeric uid or uid:gid (names need /etc/passwd lookups at run time)", show(user))
		return
	}
	for _, id := range []string{m[1], m[3]} {
		if id == "" {
			continue
		}
		n, err := strconv.ParseUint(id, 10, 32)
		switch {
		case strings.Trim(id, "0") == "":
			v.add("image.user", "%s runs as root; use an unprivileged uid:gid such as %s", show(user), DefaultUser)
			return
		case id[0] == '0':
			v.add("image.user", "%s: write ids without leading zeros", show(user))
			return
		case err != nil || n >= maxID:
			v.add("image.user", "%s: ids are at most %d ((uid_t)-1 and above are invalid)", show(user), maxID-1)
			return
		}
	}
}

// maxID is (uid_t)-1, which means "no id" to the kernel.
const maxID = 4294967295

// files checks [[image.files]]: clean absolute paths that are free (not kiln's, not the
// store, not a directory another file needs), one source of content, and a mode the
// image can have.
func (v *validator) files() {
	s := v.s
	im := s.Image
	// Directories the image has whatever the spec says, and those every file implies.
	dirs := map[string]string{"/": "the root", "/etc": "/etc/passwd", "/nix": "the Nix store", "/nix/store": "the Nix store"}
	claimed := map[string]string{"/etc/passwd": "kiln (from image.user)", "/etc/group": "kiln (from image.user)"}
	var all []File
	all = append(all, im.Files...)
	for i, f := range all {
		if !path.IsAbs(f.Path) || path.Clean(f.Path) != f.Path {
			continue
		}
		for d := path.Dir(f.Path); d != "/"; d = path.Dir(d) {
			if _, ok := dirs[d]; !ok {
				dirs[d] = fileKey(s, i) + ".path " + show(f.Path)
			}
		}
	}
	// Files kiln derived from other keys are checked under those keys (caBundle).
	userFiles := im.Files[:len(im.Files)-s.derivedFiles]
	for i, f := range userFiles {
		key := fmt.Sprintf("image.files[%d]", i)
		switch {
		case !v.required(key+".path", f.Path):
		case !v.text(key+".path", f.Path):
		case !path.IsAbs(f.Path) || path.Clean(f.Path) != f.Path:
			v.add(key+".path", "%s must be a clean absolute path such as /etc/haproxy/haproxy.cfg", show(f.Path))
		case f.Path == "/nix" || strings.HasPrefix(f.Path, "/nix/"):
			v.add(key+".path", "%s is inside /nix, which holds the build's closure only", show(f.Path))
		case claimed[f.Path] != "":
			v.add(key+".path", "%s is written by %s", show(f.Path), claimed[f.Path])
		case dirs[f.Path] != "":
			v.add(key+".path", "%s is a directory in the image (needed by %s); a file cannot take its place", show(f.Path), dirs[f.Path])
		case len(path.Base(f.Path)) > 255:
			v.add(key+".path", "%s: a file name is at most 255 bytes", show(f.Path))
		}
		if f.Path != "" {
			claimed[f.Path] = key
		}
		switch {
		case f.Source != "" && f.Content != "":
			v.add(key, "has both source and content; use one")
		case f.Source != "":
			v.localFile(key+".source", f.Source)
		case f.Content == "":
			v.add(key, "needs source = \"file\" or content = \"...\"")
		}
		v.mode(key+".mode", f.Mode)
	}
	if ca := im.CABundle; ca != nil {
		v.caBundle(ca, claimed, dirs)
	}
}

func fileKey(s *Spec, i int) string {
	if i >= len(s.Image.Files)-s.derivedFiles {
		return "image.ca_bundle"
	}
	return fmt.Sprintf("image.files[%d]", i)
}

// mode checks a file mode: octal, readable by its owner, no setuid, setgid, sticky or
// world-writable bit.
func (v *validator) mode(key, mode string) {
	if !modeRE.MatchString(mode) {
		v.add(key, "%s: use an octal mode such as \"0444\"", show(mode))
		return
	}
	m, _ := strconv.ParseUint(mode, 8, 32)
	switch {
	case m&0o7000 != 0 || m&0o002 != 0:
		v.add(key, "%s is setuid, setgid, sticky or world-writable; images carry none", show(mode))
	case m&0o400 == 0:
		v.add(key, "%s is not readable by its owner; use 0444 (or 0555 for a program)", show(mode))
	}
}

// caBundle checks image.ca_bundle: OpenSSL is on (without it haproxy has no use for
// certificates), the file exists and has the pinned sha256, and its path is free.
func (v *validator) caBundle(ca *CABundle, claimed, dirs map[string]string) {
	if !v.s.Features.OpenSSL {
		v.add("image.ca_bundle", "is set but features.openssl is false: haproxy verifies servers' certificates only with OpenSSL; turn it on or remove image.ca_bundle")
	}
	switch {
	case !v.text("image.ca_bundle.path", ca.Path):
	case !path.IsAbs(ca.Path) || path.Clean(ca.Path) != ca.Path:
		v.add("image.ca_bundle.path", "%s must be a clean absolute path such as %s", show(ca.Path), DefaultCABundlePath)
	case strings.HasPrefix(ca.Path, "/nix/") || ca.Path == "/nix" || ca.Path == "/etc/passwd" || ca.Path == "/etc/group":
		v.add("image.ca_bundle.path", "%s is written by kiln; use %s", show(ca.Path), DefaultCABundlePath)
	case claimed[ca.Path] != "":
		v.add("image.ca_bundle.path", "%s is also an [[image.files]] path; drop one of them", show(ca.Path))
	case dirs[ca.Path] != "":
		v.add("image.ca_bundle.path", "%s is a directory in the image (needed by %s); use %s", show(ca.Path), dirs[ca.Path], DefaultCABundlePath)
	}
	if !v.required("image.ca_bundle.source", ca.Source) {
		return
	}
	if !v.sha256("image.ca_bundle.sha256", ca.SHA256, true) {
		return
	}
	// The bundle may live outside the spec's directory (the host's bundle): its pinned
	// sha256 is the consent to ship exactly that file.
	got, err := files.SHA256(v.s.Resolve(ca.Source))
	switch {
	case err != nil:
		v.add("image.ca_bundle.source", "%s: %v", show(ca.Source), unwrapPathErr(err))
	case got != ca.SHA256:
		v.add("image.ca_bundle.sha256", "%s has sha256 %s, not the pinned %s; pin the new bundle if you mean to ship it", ca.Source, got, ca.SHA256)
	}
}

// url checks a download: an https URL without credentials whose last path segment is a
// file name Nix accepts as a store path's name and is, as written, the name Nix gives the
// download (fetchName), the name kiln's prefetch and mirror give it too; tarball says it
// is a source kiln unpacks (a gzip tarball).
func (v *validator) url(key, raw string, required, tarball bool) {
	if raw == "" {
		if required {
			v.add(key, "is required: the https URL of the source")
		}
		return
	}
	if !v.text(key, raw) {
		return
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		v.add(key, "%s must be an https:// URL (sources are fetched over TLS and pinned by sha256)", show(raw))
		return
	}
	if u.User != nil {
		// Credentials in a URL end up in the flake, the store, the image's source label
		// and every log: never accept them.
		v.add(key, "holds credentials (user:password@); pinned sources are public downloads — use a mirror (--mirror DIR) or a binary cache for private ones")
		return
	}
	base := path.Base(u.Path)
	switch {
	case len(base) > storepath.MaxNameLen:
		v.add(key, "ends in a file name of %d bytes; a Nix store path name is at most %d", len(base), storepath.MaxNameLen)
	case storepath.CheckName(base) != nil || base == "." || base == "/":
		v.add(key, "%s must end in a file name of letters, digits and + . _ ? = - (it names the fetched store path)", show(raw))
	case fetchName(raw) != base:
		v.add(key, "Nix names the fetched store path %s (the URL's text after its last /), not the file name %s; use a URL whose last path segment is the file name, without ?query, #fragment or %%-escapes", show(fetchName(raw)), show(base))
	case tarball && !strings.HasSuffix(base, ".tar.gz") && !strings.HasSuffix(base, ".tgz"):
		v.add(key, "%s is not a .tar.gz or .tgz: kiln's recipes unpack gzip tarballs (haproxy, Lua, PCRE2, OpenSSL and zlib all publish one)", show(base))
	}
}

// fetchName is the name <nix/fetchurl.nix> gives the store path of a download (the
// generated flake passes it none): baseNameOf the URL as written, what follows its last /
// (one at the very end aside), query, fragment and %-escapes included.
func fetchName(raw string) string {
	if len(raw) > 1 {
		raw = strings.TrimSuffix(raw, "/")
	}
	return raw[strings.LastIndexByte(raw, '/')+1:]
}

// sha256 checks a pinned hash and reports whether it is one.
func (v *validator) sha256(key, val string, required bool) bool {
	switch {
	case val == "" && required:
		v.add(key, "is required: the source's sha256 (64 hex digits, as sha256sum prints it)")
	case val != "" && !sha256RE.MatchString(val):
		v.add(key, "%s is not a sha256: want 64 lower-case hex digits, as sha256sum prints it", show(val))
	default:
		return val != ""
	}
	return false
}

// localFile checks a file the spec names: beside the spec (LocalPath) and a regular file,
// not a FIFO, a device or a /proc or /sys pseudo-file.
func (v *validator) localFile(key, name string) {
	if !v.text(key, name) {
		return
	}
	if v.s.embedded != nil {
		if _, err := v.s.readEmbedded(name); err != nil {
			v.add(key, "%s: not in kiln's embedded default spec: %v", show(name), unwrapPathErr(err))
		}
		return
	}
	p, err := v.s.LocalPath(name)
	if err == nil {
		var f *os.File
		if f, err = files.Open(p); err == nil {
			f.Close()
		}
	}
	if err != nil {
		var oe *OutsideError
		if errors.As(err, &oe) {
			v.add(key, "%s", err)
		} else {
			v.add(key, "%s: %v", show(name), unwrapPathErr(err))
		}
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
