package nix

import (
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"regexp"
	"strings"
)

// Activity is what a nix build did, read from its log as it streams: derivations it built
// (and where), store paths it copied from a binary cache, rebuilds that differed and build
// directories it kept. The log writer feeds it one line at a time, in order.
type Activity struct {
	// Built lists the derivations nix built.
	Built []string `json:"built"`
	// Substituted lists the store paths nix copied from a binary cache.
	Substituted []string `json:"substituted"`
	// BuiltOn maps each built derivation to the machine that built it: LocalMachine, or a
	// remote builder's store URI as nix names it (ssh-ng://builder, ssh://builder).
	BuiltOn map[string]string `json:"built_on,omitempty"`
	// Differs lists the outputs a --rebuild found different from the store's.
	Differs []Mismatch `json:"differs,omitempty"`
	// Kept lists the build directories nix kept (--keep-failed).
	Kept []string `json:"kept,omitempty"`

	// builders are the remote builders seen: what nix copies back from them is a build's
	// result, not a substitution.
	builders map[string]bool
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
	// Nix: "derivation '<drv>' may not be deterministic: output '<out>' differs[ from '<out>.check']". "derivation '<drv>' may not be deterministic: output '<out>' differs[ from '<out>.check']".
	differsRE = regexp.MustCompile(`derivation '([^']+)' may not be deterministic: output '([^']+)' differs(?: from '([^']+)')?`)
	// Nix: "note: keeping build directory '/tmp/nix-build-….drv-0'" (2.26 adds "/build").
	keptRE = regexp.MustCompile(`keeping build directory '([^']+)'`)
)

func (a *Activity) observe(line string) {
	if m := buildingRE.FindStringSubmatch(line); m != nil {
		a.building(m[1], m[2])
	} else if m := copyingRE.FindStringSubmatch(line); m != nil && !a.fromBuilder(m[2]) {
		a.Substituted = appendNew(a.Substituted, m[1])
	} else if m := differsRE.FindStringSubmatch(line); m != nil {
		a.Differs = append(a.Differs, Mismatch{Derivation: m[1], Output: m[2], Check: m[3]})
	} else if m := keptRE.FindStringSubmatch(line); m != nil {
		dir := m[1]
		if path.Base(dir) == "build" && strings.HasPrefix(path.Base(path.Dir(dir)), "nix-build-") { // Nix 2.26 names the build dir inside it
			dir = path.Dir(dir)
		}
		// Only directories named like nix's, so nothing else is ever taken for one.
		if strings.HasPrefix(path.Base(dir), "nix-build-") && filepath.IsAbs(dir) {
			a.Kept = append(a.Kept, dir)
		}
	}
}

// building records a derivation built, locally or on a remote builder.
func (a *Activity) building(drv, on string) {
	a.Built = appendNew(a.Built, drv)
	if a.BuiltOn == nil {
		a.BuiltOn = map[string]string{}
	}
	switch {
	case on != "":
		a.BuiltOn[drv] = on
		if a.builders == nil {
			a.builders = map[string]bool{}
		}
		a.builders[on] = true
	case a.BuiltOn[drv] == "":
		// Over ssh-ng the builder's own "building '…'" line follows nix's "building
		// '…' on '…'": it does not make the build local.
		a.BuiltOn[drv] = LocalMachine
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
