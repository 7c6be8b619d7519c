package cache

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/kilnbuild/kiln/internal/storepath"
)

// NarInfo is the content of a <hash>.narinfo file: where a store path's NAR is in the
// cache, its hashes and sizes, its references and signatures.
type NarInfo struct {
	StorePath   string   // full path, /nix/store/<hash>-<name>
	URL         string   // of the (compressed) NAR, relative to the cache
	Compression string   // "xz", "zstd", "bzip2", "none", …; empty means bzip2, as in Nix
	FileHash    string   // hash of the file at URL, as written (optional)
	FileSize    uint64   // size of the file at URL (0 when not given)
	NarHash     string   // hash of the uncompressed NAR, as written
	NarSize     uint64   // size of the uncompressed NAR
	References  []string // base names (<hash>-<name>), as written
	Deriver     string   // base name of the .drv; empty when unknown
	System      string   // optional, written by old Nix versions
	Sigs        []string // "keyname:base64(signature)", in file order
	CA          string   // content address ("fixed:…", "text:…"), empty for input-addressed paths
	Extra       []Field  // keys this package does not know, kept so String loses nothing
}

// Field is one "Key: Value" line of a narinfo whose key this package doesn't interpret.
type Field struct {
	Key, Value string
}

// ParseError is a syntax error in a narinfo, with the 1-based line it is on.
type ParseError struct {
	Line int
	Msg  string
}

// Error implements error.
func (e *ParseError) Error() string {
	return fmt.Sprintf("narinfo line %d: %s", e.Line, e.Msg)
}

// maxNarInfoSize bounds what Parse reads: real narinfos are a few KiB, and a hostile
// cache must not make us buffer without limit.
const maxNarInfoSize = 4 << 20

// Parse reads a narinfo. It checks syntax only (lines, duplicate keys, integer sizes);
// Check judges the values. Unknown keys are kept in Extra, as Nix ignores them.
func Parse(r io.Reader) (*NarInfo, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxNarInfoSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading narinfo: %w", err)
	}
	if len(data) > maxNarInfoSize {
		return nil, fmt.Errorf("narinfo larger than %d bytes", maxNarInfoSize)
	}
	text := string(data)
	// Nix ends every line with "\n"; a missing final newline is tolerated rather than
	// treated as a truncated last line, since the line is still complete "Key: Value".
	text = strings.TrimSuffix(text, "\n")
	ni := &NarInfo{}
	seen := map[string]int{}
	for i, line := range strings.Split(text, "\n") {
		lineNo := i + 1
		if line == "" {
			if text == "" {
				break
			}
			return nil, &ParseError{lineNo, "empty line"}
		}
		key, value, ok := strings.Cut(line, ":")
		if !ok {
			return nil, &ParseError{lineNo, fmt.Sprintf("missing ':' in %q", line)}
		}
		if key == "" || strings.ContainsAny(key, " \t") {
			return nil, &ParseError{lineNo, fmt.Sprintf("invalid key %q", key)}
		}
		if value != "" {
			// Nix writes exactly "Key: Value" and takes the value from two bytes after
			// the colon; "Key:" alone is accepted as an empty value.
			if value[0] != ' ' {
				return nil, &ParseError{lineNo, fmt.Sprintf("missing space after %q", key+":")}
			}
			value = value[1:]
		}
		if prev, dup := seen[key]; dup && key != "Sig" && isKnownKey(key) {
			// Nix lets most repeated keys overwrite each other; refusing them instead
			// means no two readers of a signed narinfo can disagree on its values.
			return nil, &ParseError{lineNo, fmt.Sprintf("duplicate key %q (first on line %d)", key, prev)}
		}
		seen[key] = lineNo
		if err := ni.set(key, value); err != nil {
			return nil, &ParseError{lineNo, err.Error()}
		}
	}
	return ni, nil
}

// isKnownKey reports whether NarInfo has a field of its own for key.
func isKnownKey(key string) bool {
	switch key {
	case "StorePath", "URL", "Compression", "FileHash", "FileSize", "NarHash", "NarSize",
		"References", "Deriver", "System", "Sig", "CA":
		return true
	}
	return false
}

// set stores one parsed line.
func (ni *NarInfo) set(key, value string) error {
	var err error
	switch key {
	case "StorePath":
		ni.StorePath = value
	case "URL":
		ni.URL = value
	case "Compression":
		ni.Compression = value
	case "FileHash":
		ni.FileHash = value
	case "FileSize":
		ni.FileSize, err = parseSize(key, value)
	case "NarHash":
		ni.NarHash = value
	case "NarSize":
		ni.NarSize, err = parseSize(key, value)
	case "References":
		// strings.Fields, not Split: Nix tokenizes, and writes "References: " with a
		// trailing space when there are none.
		ni.References = strings.Fields(value)
	case "Deriver":
		// Nix writes no Deriver line when it doesn't know one, but reads this
		// placeholder that older tools wrote.
		if value != "unknown-deriver" {
			ni.Deriver = value
		}
	case "System":
		ni.System = value
	case "Sig":
		ni.Sigs = append(ni.Sigs, value)
	case "CA":
		ni.CA = value
	default:
		ni.Extra = append(ni.Extra, Field{key, value})
	}
	return err
}

// parseSize parses a decimal byte count.
func parseSize(key, value string) (uint64, error) {
	n, err := strconv.ParseUint(value, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s %q is not a non-negative integer", key, value)
	}
	return n, nil
}

// String renders the narinfo in the key order Nix writes, so a narinfo Nix wrote comes
// back byte for byte; unknown keys follow at the end.
func (ni *NarInfo) String() string {
	var b strings.Builder
	line := func(k, v string) { b.WriteString(k + ": " + v + "\n") }
	line("StorePath", ni.StorePath)
	line("URL", ni.URL)
	if ni.Compression != "" {
		line("Compression", ni.Compression)
	}
	if ni.FileHash != "" {
		line("FileHash", ni.FileHash)
	}
	if ni.FileHash != "" || ni.FileSize != 0 {
		line("FileSize", strconv.FormatUint(ni.FileSize, 10))
	}
	line("NarHash", ni.NarHash)
	line("NarSize", strconv.FormatUint(ni.NarSize, 10))
	line("References", strings.Join(ni.References, " "))
	if ni.Deriver != "" {
		line("Deriver", ni.Deriver)
	}
	if ni.System != "" {
		line("System", ni.System)
	}
	for _, s := range ni.Sigs {
		line("Sig", s)
	}
	if ni.CA != "" {
		line("CA", ni.CA)
	}
	for _, f := range ni.Extra {
		line(f.Key, f.Value)
	}
	return b.String()
}

// Check validates the values: store path and reference shapes, hash formats, sizes > 0,
// content address. It does not look at signatures (see Verify).
func (ni *NarInfo) Check() error {
	var errs []error
	if _, err := storepath.Parse(ni.StorePath); err != nil {
		errs = append(errs, fmt.Errorf("StorePath: %w", err))
	}
	if ni.URL == "" {
		errs = append(errs, errors.New("URL: missing"))
	}
	if ni.NarHash == "" {
		errs = append(errs, errors.New("NarHash: missing"))
	} else if _, err := ParseHash(ni.NarHash); err != nil {
		errs = append(errs, fmt.Errorf("NarHash: %w", err))
	}
	if ni.NarSize == 0 {
		errs = append(errs, errors.New("NarSize: missing or 0"))
	}
	if ni.FileHash != "" {
		if _, err := ParseHash(ni.FileHash); err != nil {
			errs = append(errs, fmt.Errorf("FileHash: %w", err))
		}
		if ni.FileSize == 0 {
			errs = append(errs, errors.New("FileSize: missing or 0 while FileHash is given"))
		}
	}
	for _, r := range ni.References {
		if err := storepath.CheckBaseName(r); err != nil {
			//lint:ignore ST1005 the narinfo field's name
			errs = append(errs, fmt.Errorf("References: %w", err))
		}
	}
	if ni.Deriver != "" {
		if err := storepath.CheckBaseName(ni.Deriver); err != nil {
			//lint:ignore ST1005 the narinfo field's name
			errs = append(errs, fmt.Errorf("Deriver: %w", err))
		}
	}
	if ni.CA != "" {
		if err := checkCA(ni.CA); err != nil {
			errs = append(errs, fmt.Errorf("CA: %w", err))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("invalid narinfo for %q: %w", ni.StorePath, errors.Join(errs...))
	}
	return nil
}

// checkCA validates a content address: "text:<hash>" or "fixed:[r:]<hash>".
func checkCA(ca string) error {
	var h string
	switch {
	case strings.HasPrefix(ca, "text:"):
		h = strings.TrimPrefix(ca, "text:")
	case strings.HasPrefix(ca, "fixed:r:"):
		h = strings.TrimPrefix(ca, "fixed:r:")
	case strings.HasPrefix(ca, "fixed:"):
		h = strings.TrimPrefix(ca, "fixed:")
	default:
		return fmt.Errorf("%q: want text:<hash> or fixed:[r:]<hash>", ca)
	}
	parsed, err := ParseHash(h)
	if err != nil {
		return err
	}
	if strings.HasPrefix(ca, "text:") && parsed.Algo != "sha256" {
		return fmt.Errorf("%q: text content addresses are sha256", ca)
	}
	return nil
}

// compression returns the effective compression: Nix reads a missing one as bzip2.
func (ni *NarInfo) compression() string {
	if ni.Compression == "" {
		return "bzip2"
	}
	return ni.Compression
}
