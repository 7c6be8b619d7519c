package spec

import (
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/kilnbuild/kiln/internal/files"
	"github.com/kilnbuild/kiln/internal/tomlpos"
)

// DefaultName is the file name errors use for the embedded default spec.
const DefaultName = "<default spec>"

// Load reads and strictly decodes the spec file at path, then applies defaults. It checks
// syntax and types only; call Validate for semantics.
func Load(path string) (*Spec, error) {
	data, err := Read(path)
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("reading spec: %w", err)
	}
	return Parse(path, filepath.Dir(abs), data)
}

// Read reads a spec file's bytes as Load does: a regular file (never a FIFO or a device)
// of at most MaxSize bytes.
func Read(path string) ([]byte, error) {
	data, err := files.ReadFile(path, MaxSize)
	var tl *files.TooLargeError
	if errors.As(err, &tl) {
		return nil, fmt.Errorf("reading spec %s: it is larger than %d bytes; a spec is a short TOML file", path, MaxSize)
	}
	if err != nil {
		return nil, fmt.Errorf("reading spec: %w", err)
	}
	return data, nil
}

// MaxSize is the largest spec Load reads (inline file contents included).
const MaxSize = 1 << 20

// Parse decodes a spec held in memory. name is used in errors; dir resolves relative paths.
func Parse(name, dir string, data []byte) (*Spec, error) {
	doc := string(data)
	lines := map[string]int{}
	d, err := tomlpos.Scan(doc)
	var le *tomlpos.LimitError
	if errors.As(err, &le) {
		// Refused before the decoder sees it: it would spend memory and stack on every level.
		return nil, &Error{File: name, Line: le.Line, Msg: le.What + "; a spec's keys and values nest a few levels at most"}
	}
	if err == nil { // else the document is malformed, and the decoder says where
		lines = d.Keys
	}
	s := &Spec{file: name, dir: dir, lines: lines}
	md, err := toml.Decode(doc, s)
	var pe toml.ParseError
	if errors.As(err, &pe) {
		// A syntax error: the decoder's "last key" is whatever came before, not the culprit.
		return nil, &Error{File: name, Line: pe.Position.Line, Msg: "TOML syntax: " + pe.Message}
	}
	// Keys before values: a type error may be about a misspelt key, and with two spellings
	// of one key which the decoder reaches first depends on map order.
	kl := newKeyLines(lines)
	if errs := unknownKeys(name, kl, md.Keys()); len(errs) > 0 {
		return nil, errs
	}
	if err != nil {
		if m := typeErrRE.FindStringSubmatch(err.Error()); m != nil {
			key, uerr := strconv.Unquote(`"` + m[2] + `"`)
			if uerr != nil {
				key = m[2]
			}
			line, _ := strconv.Atoi(m[1])
			if line == 0 {
				line = firstLineUnder(kl, md.Keys(), key)
			}
			return nil, &Error{File: name, Line: line, Key: key, Msg: m[3] + " (see the spec reference for the expected type)"}
		}
		return nil, &Error{File: name, Msg: err.Error()}
	}
	s.applyDefaults()
	return s, nil
}

// typeErrRE matches the decoder's type errors, which carry the line and key (quoted as a
// Go string) only in text; the line is missing when the key is a table made by dotted keys.
var typeErrRE = regexp.MustCompile(`^toml: (?:line (\d+) )?\(last key "(.*?)"\): (.*)$`)

// firstLineUnder returns the line of the first key in keys (the document's, in order) that
// is key or under it: a table made by dotted keys (labels.org.x = ... makes labels.org)
// has no line of its own but that of the first key that makes it. key is as
// toml.Key.String writes it, which quotes the parts that need it, so a prefix of the
// string is a prefix of the parts.
func firstLineUnder(lines keyLines, keys []toml.Key, key string) int {
	for _, k := range keys {
		if s := k.String(); s == key || strings.HasPrefix(s, key+".") {
			return lines.line(k)
		}
	}
	return 0
}

// unknownKeys reports, in file order, each key of a document that names no field of Spec
// as spelled: the decoder also fills a field from a key spelled in another case (VERSION,
// [Package]), which a strict spec refuses. A key under one already reported is not
// reported again.
func unknownKeys(file string, lines keyLines, keys []toml.Key) Errors {
	var errs Errors
	reported := map[string]bool{}
	for _, k := range keys {
		n, field := unknownPart(reflect.TypeFor[Spec](), k)
		if n < 0 {
			continue
		}
		key := k[:n+1].String()
		if reported[key] {
			continue
		}
		reported[key] = true
		msg := "unknown key; check its spelling against the spec reference (README: Spec reference)"
		if field != "" {
			msg = "unknown key; keys are case-sensitive: write " + field
		}
		// The key's own line, or that of the first key under it when it is a table made by
		// dotted keys (Package.version = ...).
		errs = append(errs, &Error{File: file, Line: lines.line(k), Key: key, Msg: msg})
	}
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Line < errs[j].Line })
	return errs
}

// unknownPart returns the index of the first part of key that names no field of t as
// spelled, with the field it names in another case ("" when none), or -1 when every part
// names a field, is an entry of a map (image.labels) or is inside a value, which the
// decoder type-checks.
func unknownPart(t reflect.Type, key toml.Key) (int, string) {
	for i, part := range key {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
			t = t.Elem()
		}
		switch t.Kind() {
		case reflect.Map:
			t = t.Elem()
			continue
		case reflect.Struct:
		default:
			return -1, ""
		}
		next, other := fieldType(t, part)
		if next == nil {
			return i, other
		}
		t = next
	}
	return -1, ""
}

// fieldType returns the type of struct t's field named name (its toml tag, else its Go
// name, as the decoder names fields), or nil and the field whose name differs only in case.
func fieldType(t reflect.Type, name string) (reflect.Type, string) {
	other := ""
	for i := range t.NumField() {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		if !f.IsExported() || tag == "-" {
			continue
		}
		if tag == "" {
			tag = f.Name
		}
		if tag == name {
			return f.Type, ""
		}
		if strings.EqualFold(tag, name) {
			other = tag
		}
	}
	return nil, other
}

// Defaults used when a spec leaves a key out. They are part of the spec format: changing
// one changes what existing specs build.
const (
	DefaultUser        = "65534:65534"
	DefaultCompression = CompressionSLZ
	DefaultToolchain   = ToolchainPinned
	DefaultOptimize    = OptimizeSize
)

// DefaultNixpkgsURL is the nixpkgs `--toolchain nixpkgs` uses for a spec that pins none
// (nixos-24.11).
const DefaultNixpkgsURL = "github:NixOS/nixpkgs/030ba1976b7c0e1a67d9716b17308ccdab5b381e"

// DefaultHardening is the hardening policy when a spec names none: everything.
var DefaultHardening = []string{"pie", "relro", "bindnow", "nx", "canary", "static", "stripped"}

func (s *Spec) applyDefaults() {
	if s.SpecVersion == 0 {
		s.SpecVersion = Version
	}
	if s.Image.Name == "" {
		s.Image.Name = s.Package.Name
	}
	if s.Image.Tag == "" {
		s.Image.Tag = s.Package.Version
	}
	if s.Image.User == "" {
		s.Image.User = DefaultUser
	}
	if s.Image.StopSignal == "" && s.Package.Name == "haproxy" {
		// haproxy as PID 1 ignores SIGTERM; SIGUSR1 is its graceful stop.
		s.Image.StopSignal = "SIGUSR1"
	}
	if len(s.Image.Entrypoint) == 0 && s.Package.Name != "" {
		s.Image.Entrypoint = []string{s.Package.Name}
	}
	if s.Features.Compression == "" {
		s.Features.Compression = DefaultCompression
	}
	if s.Build.Toolchain == "" {
		s.Build.Toolchain = DefaultToolchain
	}
	if s.Build.Optimize == "" {
		s.Build.Optimize = DefaultOptimize
	}
	// The baseline, named or left out, is one spec: no -march flag, the same derivations, and
	// the same canonical spec (March is omitted from it when empty), so the same image.
	if s.Build.March == MarchLevels[0] {
		s.Build.March = ""
	}
	if s.Build.Hardening == nil {
		for _, w := range DefaultHardening {
			if w == "stripped" && !s.Build.StripEnabled() {
				continue // asked not to strip: don't demand it by default
			}
			s.Build.Hardening = append(s.Build.Hardening, w)
		}
	}
	for i := range s.Image.Files {
		if s.Image.Files[i].Mode == "" {
			s.Image.Files[i].Mode = "0444"
		}
	}
	// A library whose feature is on and whose source the spec does not pin gets the pinned
	// default; a source given for a feature that is off stays, for Validate to refuse.
	for _, slot := range s.sourceSlots() {
		if slot.on && *slot.src == nil {
			*slot.src = defaultSource(slot.name)
		}
	}
	if ca := s.Image.CABundle; ca != nil {
		if ca.Path == "" {
			ca.Path = DefaultCABundlePath
		}
		// The bundle is one more image file; Validate checks it under image.ca_bundle.
		s.Image.Files = append(s.Image.Files, File{Path: ca.Path, Source: ca.Source, Mode: "0444"})
		s.derivedFiles = 1
	}
}
