package nix

import (
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"regexp"
	"strings"
)

// Activity is what a nix build did, read from its log as it streams: derivations it built,
// store paths it copied from a binary cache, rebuilds that differed and build directories
// it kept. The log writer feeds it one line at a time, in order.
type Activity struct {
	// Built lists the derivations nix built.
	Built []string `json:"built"`
	// Substituted lists the store paths nix copied from a binary cache.
	Substituted []string `json:"substituted"`
	// Differs lists the outputs a --rebuild found different from the store's.
	Differs []Mismatch `json:"differs,omitempty"`
	// Kept lists the build directories nix kept (--keep-failed).
	Kept []string `json:"kept,omitempty"`
}

// Mismatch is one output whose rebuild differed.
type Mismatch struct {
	// Derivation is the .drv that was rebuilt.
	Derivation string `json:"derivation"`
	// Output is the store path (as a host path for a chroot store).
	Output string `json:"output"`
	// Check is where nix moved the differing rebuild (<out>.check), "" without KeepFailed.
	Check string `json:"check,omitempty"`
}

var (
	buildingRE = regexp.MustCompile(`^building '(/[^']+\.drv)'`)
	copyingRE  = regexp.MustCompile(`^copying path '(/[^']+)' from '([^']+)'`)
	// Nix: "derivation '<drv>' may not be deterministic: output '<out>' differs[ from '<out>.check']".
	differsRE = regexp.MustCompile(`derivation '([^']+)' may not be deterministic: output '([^']+)' differs(?: from '([^']+)')?`)
	// Nix: "note: keeping build directory '/tmp/nix-build-….drv-0'".
	keptRE = regexp.MustCompile(`keeping build directory '([^']+)'`)
)

func (a *Activity) observe(line string) {
	if m := buildingRE.FindStringSubmatch(line); m != nil {
		a.Built = append(a.Built, m[1])
	} else if m := copyingRE.FindStringSubmatch(line); m != nil {
		a.Substituted = append(a.Substituted, m[1])
	} else if m := differsRE.FindStringSubmatch(line); m != nil {
		a.Differs = append(a.Differs, Mismatch{Derivation: m[1], Output: m[2], Check: m[3]})
	} else if m := keptRE.FindStringSubmatch(line); m != nil && strings.HasPrefix(path.Base(m[1]), "nix-build-") && filepath.IsAbs(m[1]) {
		// Only directories named like nix's, so nothing else is ever taken for one.
		a.Kept = append(a.Kept, m[1])
	}
}

// NotDeterministicError is a --rebuild whose outputs differ from the store's.
type NotDeterministicError struct {
	// Differs lists every differing output nix reported.
	Differs []Mismatch
	// Err is nix's failure.
	Err error
}

func (e *NotDeterministicError) Error() string {
	var outs []string
	for _, d := range e.Differs {
		outs = append(outs, d.Output)
	}
	return fmt.Sprintf("rebuild differs (%s): %v", strings.Join(outs, ", "), e.Err)
}

func (e *NotDeterministicError) Unwrap() error { return e.Err }

// explain turns a failed build into a *NotDeterministicError when the log said so.
func (a *Activity) explain(err error) error {
	var ne *Error
	if len(a.Differs) == 0 || !errors.As(err, &ne) {
		return err
	}
	return &NotDeterministicError{Differs: append([]Mismatch(nil), a.Differs...), Err: err}
}
