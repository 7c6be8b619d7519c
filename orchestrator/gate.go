package orchestrator

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/kilnbuild/kiln/orchestrator/audit"
)

// AuditReport is what the hardening audit found: every ELF file with its properties, and
// every policy violation (ELF and image filesystem).
type AuditReport struct {
	ELF        []audit.ELFReport `json:"elf"`
	Violations []string          `json:"violations"`
}

// OK reports whether nothing violated the policy.
func (r *AuditReport) OK() bool { return len(r.Violations) == 0 }

// GateError is a build refused by the audit gate; it names every file and property.
type GateError struct{ Violations []string }

func (e *GateError) Error() string {
	return "hardening gate refused the build (nothing was written):\n  " + strings.Join(e.Violations, "\n  ") +
		"\nfix the recipe flags, or relax build.hardening in the spec if this property is really not wanted"
}

// AuditTree audits every ELF file under the host paths roots (store paths, a directory or a
// single file) against policy. Reported paths are relative to strip ("" = as found).
func AuditTree(roots []string, policy []string, strip string) (*AuditReport, error) {
	rep := &AuditReport{}
	for _, root := range roots {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || !d.Type().IsRegular() {
				return err
			}
			r, err := audit.ELFFile(p)
			if errors.Is(err, audit.ErrNotELF) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("auditing %s: %w", p, err)
			}
			if strip != "" {
				r.File = "/" + strings.TrimPrefix(strings.TrimPrefix(p, strip), "/")
			}
			rep.ELF = append(rep.ELF, r)
			for _, v := range audit.Check(r, policy) {
				rep.Violations = append(rep.Violations, v.Error())
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	sort.Slice(rep.ELF, func(i, j int) bool { return rep.ELF[i].File < rep.ELF[j].File })
	return rep, nil
}

// AuditImage audits an image: its filesystem (no shell, no package manager database, no
// setuid/setgid or world-writable file, non-root user, root-owned files) and every ELF file
// in it against policy. The layers are flattened first (whiteouts applied, later layers
// over earlier ones), so what is audited is what a container sees.
func AuditImage(img v1.Image, policy []string) (*AuditReport, error) {
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("reading image config: %w", err)
	}
	rc := mutate.Extract(img)
	defer rc.Close()
	rep := &AuditReport{}
	entries, elfs, err := auditLayer(rc)
	if err != nil {
		return nil, fmt.Errorf("reading image filesystem: %w", err)
	}
	rep.ELF = elfs
	for _, r := range rep.ELF {
		for _, v := range audit.Check(r, policy) {
			rep.Violations = append(rep.Violations, v.Error())
		}
	}
	for _, v := range audit.Rootfs(entries, cfg.Config.User, audit.RootfsOptions{}) {
		rep.Violations = append(rep.Violations, v.Error())
	}
	return rep, nil
}
