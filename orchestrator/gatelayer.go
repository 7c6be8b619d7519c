package orchestrator

import (
	"archive/tar"
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/kilnbuild/kiln/orchestrator/audit"
)

// maxELF bounds the size of an ELF file the image audit reads into memory.
const maxELF = 512 << 20

// auditLayer reads a filesystem tar: every entry for the filesystem checks, and every
// regular file that starts with the ELF magic for the binary checks. Other files are
// skipped without being read into memory.
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
		br := bufio.NewReader(tr)
		magic, err := br.Peek(4)
		if err != nil {
			return nil, nil, err
		}
		if !bytes.Equal(magic, []byte("\x7fELF")) {
			continue
		}
		if h.Size > maxELF {
			return nil, nil, fmt.Errorf("%s: an ELF file of %d bytes is over the audit's %d-byte limit", e.Path, h.Size, maxELF)
		}
		data, err := io.ReadAll(br)
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
