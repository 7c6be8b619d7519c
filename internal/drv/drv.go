// Package drv reads Nix derivations (.drv files, Nix's ATerm format) and their graph: which
// derivations a build is made of, which are fixed-output fetches, and in what order they
// build. It reads the files itself, so it is the same for every Nix version.
package drv

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Derivation is one parsed .drv file.
type Derivation struct {
	// Outputs maps an output name ("out") to its path and, for a fixed-output
	// derivation, its hash.
	Outputs map[string]Output
	// InputDrvs maps each input derivation to the outputs used.
	InputDrvs map[string][]string
	// InputSrcs are the store paths used as they are (sources, scripts).
	InputSrcs []string
	Platform  string
	Builder   string
	Args      []string
	Env       map[string]string
}

// Output is one output of a derivation.
type Output struct {
	Path     string
	HashAlgo string // "sha256", "r:sha256" (recursive); "" unless fixed-output
	Hash     string
}

// FixedOutput reports whether the derivation is a fixed-output one (a fetch): its output
// is known by its hash in advance, so rebuilding it proves nothing about the build.
func (d *Derivation) FixedOutput() bool {
	for _, o := range d.Outputs {
		if o.Hash != "" {
			return true
		}
	}
	return false
}

// Name is the derivation's name attribute.
func (d *Derivation) Name() string { return d.Env["name"] }

// OutputPaths lists the output paths, sorted by output name.
func (d *Derivation) OutputPaths() []string {
	names := make([]string, 0, len(d.Outputs))
	for n := range d.Outputs {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = d.Outputs[n].Path
	}
	return out
}

// Parse reads a derivation in Nix's ATerm form: Derive([outputs],[inputDrvs],[inputSrcs],
// platform,builder,[args],[env]).
func Parse(data []byte) (*Derivation, error) {
	p := &parser{s: string(data)}
	d, err := p.derive()
	if err != nil {
		return nil, fmt.Errorf("parsing derivation at byte %d: %w", p.i, err)
	}
	return d, nil
}

type parser struct {
	s string
	i int
}

var errSyntax = errors.New("not a derivation")

func (p *parser) lit(l string) error {
	if !strings.HasPrefix(p.s[p.i:], l) {
		return fmt.Errorf("%w: want %q", errSyntax, l)
	}
	p.i += len(l)
	return nil
}

func (p *parser) peek(c byte) bool { return p.i < len(p.s) && p.s[p.i] == c }

// str reads a quoted string with ATerm's escapes.
func (p *parser) str() (string, error) {
	if err := p.lit(`"`); err != nil {
		return "", err
	}
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		p.i++
		switch c {
		case '"':
			return b.String(), nil
		case '\\':
			if p.i >= len(p.s) {
				return "", fmt.Errorf("%w: unterminated escape", errSyntax)
			}
			e := p.s[p.i]
			p.i++
			switch e {
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			default:
				b.WriteByte(e)
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", fmt.Errorf("%w: unterminated string", errSyntax)
}

// list reads [item,item,…], calling item for each.
func (p *parser) list(item func() error) error {
	if err := p.lit("["); err != nil {
		return err
	}
	for !p.peek(']') {
		if err := item(); err != nil {
			return err
		}
		if p.peek(',') {
			p.i++
		} else if !p.peek(']') {
			return fmt.Errorf("%w: want , or ]", errSyntax)
		}
	}
	p.i++
	return nil
}

func (p *parser) strs() ([]string, error) {
	var out []string
	err := p.list(func() error {
		s, err := p.str()
		out = append(out, s)
		return err
	})
	return out, err
}

// tuple reads ("a","b",…) of n strings.
func (p *parser) tuple(n int) ([]string, error) {
	if err := p.lit("("); err != nil {
		return nil, err
	}
	out := make([]string, n)
	for i := range out {
		if i > 0 {
			if err := p.lit(","); err != nil {
				return nil, err
			}
		}
		var err error
		if out[i], err = p.str(); err != nil {
			return nil, err
		}
	}
	return out, p.lit(")")
}

func (p *parser) derive() (*Derivation, error) {
	d := &Derivation{Outputs: map[string]Output{}, InputDrvs: map[string][]string{}, Env: map[string]string{}}
	if err := p.lit("Derive("); err != nil {
		return nil, err
	}
	err := p.list(func() error {
		t, err := p.tuple(4)
		if err == nil {
			d.Outputs[t[0]] = Output{Path: t[1], HashAlgo: t[2], Hash: t[3]}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := p.lit(","); err != nil {
		return nil, err
	}
	err = p.list(func() error {
		if err := p.lit("("); err != nil {
			return err
		}
		path, err := p.str()
		if err != nil {
			return err
		}
		if err := p.lit(","); err != nil {
			return err
		}
		outs, err := p.strs()
		if err != nil {
			return err
		}
		d.InputDrvs[path] = outs
		return p.lit(")")
	})
	if err != nil {
		return nil, err
	}
	if err := p.lit(","); err != nil {
		return nil, err
	}
	if d.InputSrcs, err = p.strs(); err != nil {
		return nil, err
	}
	for _, f := range []*string{&d.Platform, &d.Builder} {
		if err := p.lit(","); err != nil {
			return nil, err
		}
		if *f, err = p.str(); err != nil {
			return nil, err
		}
	}
	if err := p.lit(","); err != nil {
		return nil, err
	}
	if d.Args, err = p.strs(); err != nil {
		return nil, err
	}
	if err := p.lit(","); err != nil {
		return nil, err
	}
	err = p.list(func() error {
		t, err := p.tuple(2)
		if err == nil {
			d.Env[t[0]] = t[1]
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := p.lit(")"); err != nil {
		return nil, err
	}
	if p.i != len(p.s) {
		return nil, fmt.Errorf("%w: trailing bytes", errSyntax)
	}
	return d, nil
}

// Node is one derivation of a graph.
type Node struct {
	Path string // the .drv store path
	*Derivation
}

// Graph reads the derivation at root and every derivation it depends on (read returns a
// .drv file's bytes by store path) and returns them in build order: every derivation
// after all of its inputs, ties broken by path.
func Graph(root string, read func(path string) ([]byte, error)) ([]Node, error) {
	nodes := map[string]*Derivation{}
	var visit func(p string) error
	visit = func(p string) error {
		if _, ok := nodes[p]; ok {
			return nil
		}
		data, err := read(p)
		if err != nil {
			return fmt.Errorf("reading %s: %w", p, err)
		}
		d, err := Parse(data)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		nodes[p] = d
		for in := range d.InputDrvs {
			if err := visit(in); err != nil {
				return err
			}
		}
		return nil
	}
	if err := visit(root); err != nil {
		return nil, err
	}
	// Kahn's algorithm over sorted paths, so the order is the same every time.
	paths := make([]string, 0, len(nodes))
	for p := range nodes {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	done := map[string]bool{}
	var order []Node
	for len(order) < len(paths) {
		progressed := false
		for _, p := range paths {
			if done[p] {
				continue
			}
			ready := true
			for in := range nodes[p].InputDrvs {
				if !done[in] {
					ready = false
					break
				}
			}
			if ready {
				done[p] = true
				order = append(order, Node{Path: p, Derivation: nodes[p]})
				progressed = true
			}
		}
		if !progressed {
			return nil, errors.New("the derivation graph has a cycle")
		}
	}
	return order, nil
}
