package bump

import (
	"context"
	"fmt"

	"github.com/kilnbuild/kiln/internal/tomlpos"
	"github.com/kilnbuild/kiln/internal/upstream"
	"github.com/kilnbuild/kiln/nixgen/spec"
)

// Status is how a pin compares with what upstream lists.
type Status string

// The statuses, from "nothing to do" to "a person must look".
const (
	// StatusCurrent: the newest release on its branch, and the branch is supported.
	StatusCurrent Status = "current"
	// StatusBehind: a newer release is on the branch; kiln bump moves to it.
	StatusBehind Status = "behind"
	// StatusEOL: the newest release on its branch, but the branch is past its end of life;
	// moving to another branch is a decision (kiln bump --branch).
	StatusEOL Status = "eol"
	// StatusAhead: the pin is newer than anything upstream lists on its branch.
	StatusAhead Status = "ahead"
	// StatusUnlisted: upstream no longer lists the pinned version (or nothing on its branch).
	StatusUnlisted Status = "unlisted"
)

// Finding is what the indexes say about one pin.
type Finding struct {
	Pin
	// Branch is the branch compared against: the pin's own, or the one --branch asked for.
	Branch string `json:"branch"`
	// Lifecycle is the branch's support status (Known false when no index covers it).
	Lifecycle upstream.Cycle `json:"lifecycle"`
	// NewestOnBranch is the newest release on Branch (nil when it has none).
	NewestOnBranch *upstream.Release `json:"newest_on_branch"`
	// Newest is the newest release on any branch.
	Newest *upstream.Release `json:"newest"`
	// NewestBranch is Newest's branch.
	NewestBranch string `json:"newest_branch"`
	// Status sums it up.
	Status Status `json:"status"`
	// Note explains a status that needs a person.
	Note string `json:"note,omitempty"`
}

// Bumper finds newer releases for a spec's pins and moves the spec to them.
type Bumper struct {
	// Index reads the upstream indexes.
	Index *upstream.Index
	// Patch is the patch(1) program that checks patches still apply (default "patch").
	Patch string
}

// Outdated compares every pin of s (whose file content is src) with upstream's indexes.
// branches maps a component to the branch to compare with instead of its own.
func (b *Bumper) Outdated(ctx context.Context, s *spec.Spec, src []byte, branches map[string]string) ([]Finding, error) {
	d, err := tomlpos.Scan(string(src))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", specName(s), err)
	}
	var out []Finding
	for _, p := range pins(s, d) {
		f, err := b.finding(ctx, p, branches[p.Name], true)
		if err != nil {
			return nil, err
		}
		out = append(out, *f)
	}
	return out, nil
}

// finding looks one pin up. Without full, only the branch's releases are read (what bump
// needs): no newest overall, no lifecycle, so an unreachable lifecycle index never
// stops a bump.
func (b *Bumper) finding(ctx context.Context, p Pin, branch string, full bool) (*Finding, error) {
	proj, ok := upstream.Projects[p.Name]
	if !ok {
		return nil, fmt.Errorf("%s: kiln knows no release index for %s", p.Table, p.Name)
	}
	own := upstream.BranchOf(p.Version, proj.Depth)
	if branch == "" {
		branch = own
	}
	f := &Finding{Pin: p, Branch: branch}
	rels, err := b.Index.Releases(ctx, p.Name, branch)
	if err != nil {
		return nil, err
	}
	ownRels := rels
	if branch != own {
		if ownRels, err = b.Index.Releases(ctx, p.Name, own); err != nil {
			return nil, err
		}
	}
	if full {
		newest, err := b.Index.Newest(ctx, p.Name)
		if err != nil {
			return nil, err
		}
		f.Newest, f.NewestBranch = &newest, upstream.BranchOf(newest.Version, proj.Depth)
		if f.Lifecycle, err = b.Index.Cycle(ctx, p.Name, branch); err != nil {
			return nil, err
		}
	} else {
		f.Lifecycle = upstream.Cycle{Branch: branch}
	}
	if len(rels) == 0 {
		f.Status, f.Note = StatusUnlisted, fmt.Sprintf("upstream lists no %s release on branch %s", p.Name, branch)
		return f, nil
	}
	f.NewestOnBranch = &rels[0]
	listed := false
	for _, r := range ownRels {
		listed = listed || r.Version == p.Version
	}
	cmp := upstream.Compare(p.Version, rels[0].Version)
	switch {
	case cmp > 0:
		f.Status = StatusAhead
		f.Note = fmt.Sprintf("%s %s is newer than anything upstream lists on branch %s (newest %s): check the pin and the index URL", p.Name, p.Version, branch, rels[0].Version)
	case !listed:
		f.Status = StatusUnlisted
		f.Note = fmt.Sprintf("upstream no longer lists %s %s (withdrawn?); move with kiln bump --only %s --to VERSION after checking why", p.Name, p.Version, p.Name)
	case cmp < 0:
		f.Status = StatusBehind
	case f.Lifecycle.EOL:
		f.Status = StatusEOL
		f.Note = fmt.Sprintf("branch %s is past its end of life (%s); choose a supported branch: kiln bump --only %s --branch %s=%s", branch, orUnknown(f.Lifecycle.EOLDate), p.Name, p.Name, f.NewestBranch)
	default:
		f.Status = StatusCurrent
	}
	return f, nil
}

func orUnknown(s string) string {
	if s == "" {
		return "date unknown"
	}
	return s
}

func specName(s *spec.Spec) string {
	if s.File() == "" {
		return spec.DefaultName
	}
	return s.File()
}
