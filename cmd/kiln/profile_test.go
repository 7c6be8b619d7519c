package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/kilnbuild/kiln/internal/pgo"
	"github.com/kilnbuild/kiln/internal/upstream/upstreamtest"
	"github.com/kilnbuild/kiln/nixgen/spec"
)

// TestProfileImage: kiln profile records a profile of the `speed` build under its training
// load (a real instrumented nix build, a real haproxy serving real requests), and a spec
// that pins it builds a hardened image that passes the audit and serves, from a binary the
// profile visibly shaped (GCC optimises the functions the training never ran for size, so
// it is far smaller than plain `speed`'s). The profile is refused, before any build, once
// it no longer matches: another march level, another file under the pinned name.
func TestProfileImage(t *testing.T) {
	r := sharedProfile(t)
	speedSpec, profile, data := r.speedSpec, r.profile, r.data
	sum := sha256.Sum256(data)
	if want := hex.EncodeToString(sum[:]) + "  " + profile + "\n"; r.stdout != want {
		t.Errorf("kiln profile printed %q, want %q", r.stdout, want)
	}
	// --pin added the table naming the file and its sha256, and changed nothing else.
	doc, err := os.ReadFile(speedSpec)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(r.profiledSpec); err != nil || string(got) != string(doc)+r.pin {
		t.Errorf("kiln profile --pin wrote (%v):\n%s\nwant the spec with\n%s", err, got, r.pin)
	}
	if !strings.Contains(r.stderr, "pinned in "+r.profiledSpec) {
		t.Errorf("kiln profile --pin did not say where it pinned the profile:\n%s", r.stderr)
	}
	man, gcda, err := pgo.Unpack(data)
	if err != nil {
		t.Fatalf("the recorded profile does not unpack: %v", err)
	}
	s, err := spec.Load(speedSpec)
	if err != nil {
		t.Fatal(err)
	}
	want, err := pgo.For(s)
	if err != nil {
		t.Fatal(err)
	}
	if d := man.Differences(want); len(d) > 0 {
		t.Errorf("the manifest is not the spec's build: %v", d)
	}
	// The request path, the gzip encoder and start-up were all run.
	for _, f := range []string{"src/haproxy.gcda", "src/h1.gcda", "src/mux_h1.gcda", "src/http_ana.gcda", "src/slz.gcda", "src/flt_http_comp.gcda"} {
		if len(gcda[f]) == 0 {
			t.Errorf("the profile has no %s (files: %d)", f, len(gcda))
		}
	}

	pin := r.pin
	checkProfiledImage(t, r.profiledSpec, speedSpec, sum)

	// Refused before any build, saying what moved and what to do (in a copy: the recording
	// is shared).
	own := t.TempDir()
	withDefaultFiles(t, own)
	if err := os.WriteFile(filepath.Join(own, "speed.profile.tar.gz"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	v2 := filepath.Join(own, "v2.toml")
	if err := os.WriteFile(v2, []byte(strings.Replace(string(doc), `# march = "x86-64-v3"`, `march = "x86-64-v2"`, 1)+pin), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, err := kiln(t, "gen", "-o", filepath.Join(own, "flake-v2"), v2)
	if err == nil || !strings.Contains(stderr, "recorded for another build") || !strings.Contains(stderr, `march (recorded for "", this build "x86-64-v2")`) || !strings.Contains(stderr, "kiln profile") {
		t.Errorf("a profile recorded for the baseline, used with march = x86-64-v2: err %v\n%s", err, stderr)
	}
	changed := filepath.Join(own, "changed.toml")
	if err := os.WriteFile(changed, append(doc, pin...), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(own, "speed.profile.tar.gz"), append(data, 0), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, err = kiln(t, "gen", "-o", filepath.Join(own, "flake-changed"), changed)
	if err == nil || !strings.Contains(stderr, "build.profile.file speed.profile.tar.gz has sha256") {
		t.Errorf("a changed profile file: err %v\n%s", err, stderr)
	}
}

// checkProfiledImage builds profiled (a spec pinning the profile whose sha256 is sum) into
// an image that must pass the audit, carry the profile's label and serve, from a binary the
// profile visibly shaped: GCC optimises the functions the training never ran for size, so it
// is at least 10 % smaller than that of plain, the same spec without the profile.
func checkProfiledImage(t *testing.T, profiled, plain string, sum [sha256.Size]byte) {
	t.Helper()
	img := filepath.Join(t.TempDir(), "img")
	if _, stderr, err := kiln(t, "-q", "build", "--mirror", mirror(t), "-o", "oci:"+img, profiled); err != nil {
		t.Fatalf("kiln build of %s, with its profile: %v\n%s", profiled, err, tailLines(stderr, 30))
	}
	if out, stderr, err := kiln(t, "audit", "oci:"+img); err != nil {
		t.Errorf("kiln audit: %v\n%s%s", err, out, stderr)
	}
	if got, want := imageLabels(t, img)["dev.kiln.profile"], "sha256:"+hex.EncodeToString(sum[:]); got != want {
		t.Errorf("dev.kiln.profile = %q, want %q", got, want)
	}
	bin := haproxyBin(t, profiled)
	assertStaticPIEHardened(t, bin)
	serveAndGet(t, bin, defaultConfig(t), "kiln: haproxy is up\n")
	a, b := fileSize(t, bin), fileSize(t, haproxyBin(t, plain))
	if a*10 > b*9 {
		t.Errorf("the profiled binary is %d bytes, plain speed's %d: not the 10%%+ smaller a profile makes it, so the profile was not used", a, b)
	}
	t.Logf("%s: binary %d bytes, plain speed %d", profiled, a, b)
}

func fileSize(t *testing.T, p string) int64 {
	t.Helper()
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

// recorded is kiln profile's recording of the `speed` spec, made once and shared by the
// tests (a recording differs from the last in its counts, and with it the profiled build).
type recorded struct {
	dir, speedSpec, profiledSpec, profile, pin string
	data                                       []byte
	stdout, stderr                             string
}

var (
	recordOnce sync.Once
	recording  *recorded
	recordErr  string
)

// sharedProfile runs kiln profile on kiln init's spec with optimize = "speed" and writes
// that spec with the recorded profile pinned (profiled.toml), in a directory of its own.
func sharedProfile(t *testing.T) *recorded {
	t.Helper()
	recordOnce.Do(func() {
		dir := filepath.Join(filepath.Dir(kilnBin), "profile")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			recordErr = err.Error()
			return
		}
		speedSpec := initSpec(t, filepath.Join(dir, "speed.toml"), `optimize = "balanced"`, `optimize = "speed"`)
		doc, err := os.ReadFile(speedSpec)
		if err != nil {
			recordErr = err.Error()
			return
		}
		// kiln profile --pin records and pins the profile in the spec it is given.
		profiled := filepath.Join(dir, "profiled.toml")
		if err := os.WriteFile(profiled, doc, 0o644); err != nil {
			recordErr = err.Error()
			return
		}
		profile := filepath.Join(dir, "speed.profile.tar.gz")
		out, stderr, err := kiln(t, "-q", "profile", "--pin", "--mirror", mirror(t), "-o", profile, profiled)
		if err != nil {
			recordErr = fmt.Sprintf("kiln profile: %v\n%s", err, tailLines(stderr, 30))
			return
		}
		data, err := os.ReadFile(profile)
		if err != nil {
			recordErr = err.Error()
			return
		}
		sum := sha256.Sum256(data)
		pin := "\n[build.profile]\nfile = \"speed.profile.tar.gz\"\nsha256 = \"" + hex.EncodeToString(sum[:]) + "\"\n"
		recording = &recorded{dir: dir, speedSpec: speedSpec, profiledSpec: profiled, profile: profile, pin: pin,
			data: data, stdout: out, stderr: stderr}
	})
	if recording == nil {
		t.Fatalf("recording the profile: %s", recordErr)
	}
	return recording
}

// TestPinProfileEditsInPlace: --pin on a spec that has [build.profile] replaces its two
// values and keeps every other byte (comments, order, quoting); on one without, it appends
// the table; a result that would not load is refused.
func TestPinProfileEditsInPlace(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "s.toml")
	doc := "spec_version = 1 # kept\n[build]\noptimize = \"speed\"\n\n[build.profile] # recorded last week\nfile = 'old.tar.gz'  # literal\nsha256 = \"" + strings.Repeat("0", 64) + "\"\n\n[image]\nname = \"h\"\n"
	if err := os.WriteFile(file, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := pinProfile(file, "new.tar.gz", strings.Repeat("a", 64))
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(strings.Replace(doc, "'old.tar.gz'", "'new.tar.gz'", 1), strings.Repeat("0", 64), strings.Repeat("a", 64), 1)
	if string(got) != want {
		t.Errorf("pinned in place:\n%s\nwant\n%s", got, want)
	}
	bare := "spec_version = 1\n[build]\noptimize = \"speed\""
	os.WriteFile(file, []byte(bare), 0o644)
	got, err = pinProfile(file, "p.tar.gz", strings.Repeat("b", 64))
	if err != nil {
		t.Fatal(err)
	}
	if want := bare + "\n\n[build.profile]\nfile = \"p.tar.gz\"\nsha256 = \"" + strings.Repeat("b", 64) + "\"\n"; string(got) != want {
		t.Errorf("appended:\n%s\nwant\n%s", got, want)
	}
	// A spec that already defines build.profile some other way (inline) cannot take the table.
	os.WriteFile(file, []byte("spec_version = 1\n[build]\nprofile = { file = \"x.tar.gz\" }\n"), 0o644)
	if _, err := pinProfile(file, "p.tar.gz", strings.Repeat("b", 64)); err == nil {
		t.Error("pinned a profile into a spec it cannot load")
	}
}

// TestBumpCheckReprofiles: kiln bump --check on a spec with a pinned profile records the
// profile again for the new pins (the old one would be refused), checks the build that uses
// it, then writes the spec with the new sha256 and replaces the profile file; a plain kiln
// build of the written spec is the image the check reported.
func TestBumpCheckReprofiles(t *testing.T) {
	m := mirror(t)
	r := sharedProfile(t)
	dir := t.TempDir()
	withDefaultFiles(t, dir)
	file := filepath.Join(dir, "profiled.toml")
	profile := filepath.Join(dir, "speed.profile.tar.gz")
	for src, dst := range map[string]string{r.profiledSpec: file, r.profile: profile} {
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	site := upstreamtest.New(t)
	site.AddHAProxy(t, "3.0", "3.0.12", repackHAProxy(t, filepath.Join(m, "haproxy-3.0.11.tar.gz"), "3.0.12"), true)
	args := append([]string{"bump", "--check", "--rounds", "1", "--mirror", m, "--json"}, checkToolchain...)
	stdout, stderr, err := kiln(t, append(append(args, site.Flags()...), file)...)
	if err != nil {
		t.Fatalf("kiln bump --check: %v\n%s\n%s", err, stdout, tailLines(stderr, 40))
	}
	var rep struct {
		Check struct {
			After struct{ Version, Digest string }
		}
		Warnings []string
		Written  bool
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil || !rep.Written || rep.Check.After.Version != "3.0.12" {
		t.Fatalf("report (%v): %s", err, stdout)
	}
	data, err := os.ReadFile(profile)
	if err != nil {
		t.Fatal(err)
	}
	man, _, err := pgo.Unpack(data)
	if err != nil || man.Package != "haproxy 3.0.12" {
		t.Fatalf("the profile file after the bump: %v, recorded for %q", err, man.Package)
	}
	sum := sha256.Sum256(data)
	doc, _ := os.ReadFile(file)
	if !strings.Contains(string(doc), `version = "3.0.12"`) || !strings.Contains(string(doc), "sha256 = \""+hex.EncodeToString(sum[:])+"\"") {
		t.Errorf("the written spec does not pin the new profile (sha256 %x):\n%s", sum, doc)
	}
	if !strings.Contains(strings.Join(rep.Warnings, "\n"), "build.profile recorded again") {
		t.Errorf("the report does not say the profile was recorded again: %q", rep.Warnings)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 3 {
		t.Errorf("the spec's directory holds %v, want the spec, its profile and its patches/ (a temporary file left?)", entries)
	}
	out, stderr, err := kiln(t, "-q", "build", "--mirror", m, "-o", "oci:"+filepath.Join(t.TempDir(), "img"), file)
	if err != nil {
		t.Fatalf("kiln build of the bumped spec: %v\n%s", err, tailLines(stderr, 20))
	}
	if got := strings.TrimSpace(out); got != rep.Check.After.Digest {
		t.Errorf("kiln build of the written spec gives %s, the check reported %s", got, rep.Check.After.Digest)
	}
}

// TestProfileRefusesOtherBuilds: kiln profile on a build a profile is not for (kiln init's
// balanced spec, or the embedded default) says why, before building anything, and writes
// nothing; so does a FILE that is not a .tar.gz.
func TestProfileRefusesOtherBuilds(t *testing.T) {
	dir := t.TempDir()
	balanced := initSpec(t, filepath.Join(dir, "balanced.toml"))
	out := filepath.Join(dir, "p.tar.gz")
	_, stderr, err := kiln(t, "profile", "-o", out, balanced)
	if err == nil || !strings.Contains(stderr, `build.optimize = "balanced": a profile is for optimize = "speed"`) {
		t.Errorf("a balanced spec: %v\n%s", err, stderr)
	}
	speed := initSpec(t, filepath.Join(dir, "speed.toml"), `optimize = "balanced"`, `optimize = "speed"`)
	if _, stderr, err := kiln(t, "profile", "-o", filepath.Join(dir, "p.tar"), speed); err == nil || !strings.Contains(stderr, "name the profile FILE.tar.gz") {
		t.Errorf("-o p.tar: %v\n%s", err, stderr)
	}
	if _, stderr, err := kiln(t, "profile", "--pin"); err == nil || !strings.Contains(stderr, `<default spec>: build.optimize = "balanced"`) {
		t.Errorf("--pin without a spec: %v\n%s", err, stderr)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 3 { // the two specs and kiln init's patches/
		t.Errorf("kiln profile left files behind: %v", entries)
	}
}

// TestInitSpeedImage: `kiln init --speed` writes the speed spec and, beside it, the profile
// kiln ships for that build, pinned; the spec builds as it is into an image that passes the
// audit, carries the profile's label and serves, from a binary the profile shaped (≥10 %
// smaller than plain speed's). A second init keeps the same profile; another file under the
// profile's name is not overwritten without --force.
func TestInitSpeedImage(t *testing.T) {
	dir := t.TempDir()
	specFile := filepath.Join(dir, "kiln.toml")
	_, stderr, err := kiln(t, "init", "--speed", specFile)
	if err != nil {
		t.Fatalf("kiln init --speed: %v\n%s", err, stderr)
	}
	profile := filepath.Join(dir, spec.SpeedProfileName)
	if !strings.Contains(stderr, "wrote "+profile) {
		t.Errorf("kiln init --speed did not say it wrote the profile:\n%s", stderr)
	}
	data, err := os.ReadFile(profile)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	doc, err := os.ReadFile(specFile)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), "\noptimize = \"speed\" ") || !strings.Contains(string(doc), "\n[build.profile]\nfile = \""+spec.SpeedProfileName+"\"\nsha256 = \""+hex.EncodeToString(sum[:])+"\"\n") {
		t.Fatalf("kiln init --speed's spec does not pin the profile it wrote:\n%s", doc)
	}
	checkProfiledImage(t, specFile, initSpec(t, filepath.Join(t.TempDir(), "speed.toml"), `optimize = "balanced" `, `optimize = "speed" `), sum)

	// Again: the same profile is there, so init needs no --force for it (the spec still does).
	if err := os.Remove(specFile); err != nil {
		t.Fatal(err)
	}
	if _, stderr, err := kiln(t, "init", "--speed", specFile); err != nil {
		t.Errorf("kiln init --speed beside the profile it ships: %v\n%s", err, stderr)
	}
	// Another file under the profile's name (a user's own recording) is kept.
	other := filepath.Join(t.TempDir(), "own.toml")
	ownProfile := filepath.Join(filepath.Dir(other), spec.SpeedProfileName)
	if err := os.WriteFile(ownProfile, []byte("a user's own profile"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, err = kiln(t, "init", "--speed", other)
	if err == nil || !strings.Contains(stderr, ownProfile+" exists") || !strings.Contains(stderr, "--force") {
		t.Errorf("kiln init --speed over another profile: err %v\n%s", err, stderr)
	}
	if got, _ := os.ReadFile(ownProfile); string(got) != "a user's own profile" {
		t.Errorf("kiln init --speed overwrote another profile without --force")
	}
	if _, err := os.Stat(other); err == nil {
		t.Errorf("kiln init --speed wrote the spec although it refused the profile")
	}
}
