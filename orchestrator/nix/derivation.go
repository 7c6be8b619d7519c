package nix

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path"
	"sort"
)

// Derivation is a store derivation as `nix derivation show` (`nix show-derivation` before
// Nix 2.15) describes it.
type Derivation struct {
	// Path is the .drv store path.
	Path string `json:"-"`
	// Name is the derivation's name (Nix 2.26 prints it; for older Nix it is env.name).
	Name    string                      `json:"name"`
	Outputs map[string]DerivationOutput `json:"outputs"`
	// InputSrcs are the store paths (sources, recipe files) the build reads.
	InputSrcs []string `json:"inputSrcs"`
	// InputDrvs maps each input derivation to the outputs of it the build uses.
	InputDrvs map[string][]string `json:"-"`
	System    string              `json:"system"`
	Builder   string              `json:"builder"`
	Args      []string            `json:"args"`
	Env       map[string]string   `json:"env"`
}

// DerivationOutput is one output of a derivation: its path (input-addressed) or its fixed
// hash (fixed-output derivations).
type DerivationOutput struct {
	Path     string `json:"path,omitempty"`
	HashAlgo string `json:"hashAlgo,omitempty"`
	Hash     string `json:"hash,omitempty"`
}

// inputOutputs is an entry of "inputDrvs": a list of output names (Nix < 2.18) or
// {"outputs": [...], "dynamicOutputs": {...}} (Nix 2.18 and later).
type inputOutputs []string

func (o *inputOutputs) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if bytes.HasPrefix(data, []byte("[")) {
		return json.Unmarshal(data, (*[]string)(o))
	}
	var v struct {
		Outputs []string `json:"outputs"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	*o = v.Outputs
	return nil
}

// ParseDerivations reads `nix derivation show` / `nix show-derivation` output: an object
// keyed by .drv path. Keys that are bare names (<hash>-<name>.drv) are completed with
// storeDir. The result is sorted by path.
func ParseDerivations(data []byte, storeDir string) ([]Derivation, error) {
	var raw map[string]struct {
		Derivation
		InputDrvs map[string]inputOutputs `json:"inputDrvs"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("reading nix derivation show output: %w", err)
	}
	full := func(p string) string {
		if path.IsAbs(p) {
			return p
		}
		return path.Join(storeDir, p)
	}
	out := make([]Derivation, 0, len(raw))
	for p, r := range raw {
		d := r.Derivation
		d.Path = full(p)
		if d.Name == "" {
			d.Name = d.Env["name"]
		}
		d.InputDrvs = map[string][]string{}
		for in, outs := range r.InputDrvs {
			d.InputDrvs[full(in)] = []string(outs)
		}
		for i, s := range d.InputSrcs {
			d.InputSrcs[i] = full(s)
		}
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// DefaultStoreDir is where Nix keeps its store unless configured otherwise.
const DefaultStoreDir = "/nix/store"

// derivationShowSince is the first Nix with `nix derivation show`; older ones have
// `nix show-derivation` (kept as a deprecated alias that warns).
const derivationShowSince = "2.15.0"

// ShowDerivation describes the derivations of installables (.drv paths or flake outputs),
// with `nix derivation show` or, on Nix before 2.15, `nix show-derivation`.
func (n *Nix) ShowDerivation(ctx context.Context, installables ...string) ([]Derivation, error) {
	v, err := n.Version(ctx)
	if err != nil {
		return nil, err
	}
	args := []string{"derivation", "show"}
	if compareVersions(v, derivationShowSince) < 0 {
		args = []string{"show-derivation"}
	}
	out, err := n.run(ctx, "describing derivations", nil, append(args, installables...)...)
	if err != nil {
		return nil, err
	}
	return ParseDerivations(out, DefaultStoreDir)
}
