package publish

import "fmt"

// CheckWritable reports, without writing anything, whether Write could write to t: its
// reference is valid and a file system target is absent or something Write replaces (an
// OCI layout holding only a layout's files, a docker archive). kiln checks every target
// before it builds, so one bad -o never leaves the others half written.
func CheckWritable(t Target) error {
	if err := t.checkRef(); err != nil {
		return err
	}
	switch t.Transport {
	case OCI:
		_, err := checkOCITarget(t.Path)
		return err
	case DockerArchive:
		return checkArchiveTarget(t.Path)
	case Registry:
		return nil
	}
	return fmt.Errorf("unknown transport %q: %s", t.Transport, usage)
}
