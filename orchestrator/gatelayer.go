package orchestrator

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"

	"github.com/kilnbuild/kiln/orchestrator/audit"
)

// auditLayer reads one uncompressed layer tar: every entry for the filesystem checks, and
// every regular file that is ELF for the binary checks.
func auditLayer(r io.Reader) ([]audit.Entry, []audit.ELFReport, error) {
	tr := tar.NewReader(r)
	var entries []audit.Entry
	var elfs []audit.ELFReport
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return entries, elfs, nil
		}
		if err != nil {
			return nil, nil, err
		}
		e, ok := audit.EntryFromHeader(h)
		if !ok {
			continue
		}
		entries = append(entries, e)
		if h.Typeflag != tar.TypeReg || h.Size < 64 {
			continue
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			return nil, nil, err
		}
		rep, err := audit.ELF(e.Path, bytes.NewReader(data))
		if errors.Is(err, audit.ErrNotELF) {
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		elfs = append(elfs, rep)
	}
}
