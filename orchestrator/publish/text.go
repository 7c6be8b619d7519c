package publish

import (
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// WriteText writes i as human-readable tables: summary, layers, files.
func (i Inspection) WriteText(w io.Writer) error {
	var cf v1.ConfigFile
	if len(i.Config) > 0 {
		if err := json.Unmarshal(i.Config, &cf); err != nil {
			return fmt.Errorf("parsing image config: %w", err)
		}
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(tw, "%s:\t%s\n", k, v)
		}
	}
	row("Target", i.Target)
	row("Digest", i.Digest.String())
	row("Media type", string(i.MediaType))
	row("Config", i.ConfigDigest.String())
	row("Platform", strings.Trim(cf.OS+"/"+cf.Architecture, "/"))
	if !cf.Created.IsZero() {
		row("Created", cf.Created.UTC().Format("2006-01-02T15:04:05Z"))
	}
	c := cf.Config
	row("Entrypoint", quoteList(c.Entrypoint))
	row("Cmd", quoteList(c.Cmd))
	row("User", c.User)
	row("Working dir", c.WorkingDir)
	row("Stop signal", c.StopSignal)
	row("Env", strings.Join(c.Env, " "))
	row("Ports", strings.Join(slices.Sorted(maps.Keys(c.ExposedPorts)), " "))
	for _, k := range slices.Sorted(maps.Keys(c.Labels)) {
		row("Label", k+"="+c.Labels[k])
	}
	row("Size", fmt.Sprintf("%s B compressed, %s B uncompressed", thousands(i.CompressedSize), thousands(i.UncompressedSize)))
	if err := tw.Flush(); err != nil {
		return err
	}

	fmt.Fprintf(w, "\nLayers:\n")
	sizeW, usizeW := len("SIZE"), len("UNCOMPRESSED")
	for _, l := range i.Layers {
		sizeW = max(sizeW, len(thousands(l.Size)))
		usizeW = max(usizeW, len(thousands(l.UncompressedSize)))
	}
	fmt.Fprintf(w, "  %-3s %*s  %*s  %-71s  %s\n", "#", sizeW, "SIZE", usizeW, "UNCOMPRESSED", "DIGEST", "MEDIA TYPE")
	for n, l := range i.Layers {
		fmt.Fprintf(w, "  %-3d %*s  %*s  %-71s  %s\n", n, sizeW, thousands(l.Size), usizeW, thousands(l.UncompressedSize), l.Digest, l.MediaType)
	}

	if len(i.Referrers) > 0 || i.ReferrersError != "" {
		fmt.Fprintf(w, "\nReferrers:\n")
		if i.ReferrersError != "" {
			fmt.Fprintf(w, "  cannot list them: %s\n", i.ReferrersError)
		}
		for _, r := range i.Referrers {
			what := r.ArtifactType
			if r.PredicateType != "" {
				what += " " + r.PredicateType
			}
			if r.Error != "" {
				what += "  UNREADABLE: " + r.Error
			}
			fmt.Fprintf(w, "  %s  %*s B  %s\n", r.Digest, 7, thousands(int64(r.Size)), what)
		}
	}

	fmt.Fprintf(w, "\nFiles:\n")
	ownW, fsizeW := 0, 0
	for _, f := range i.Files {
		ownW = max(ownW, len(fmt.Sprintf("%d:%d", f.UID, f.GID)))
		fsizeW = max(fsizeW, len(thousands(f.Size)))
	}
	for _, f := range i.Files {
		name := f.Path
		if f.LinkTarget != "" {
			name += " -> " + f.LinkTarget
		}
		if _, err := fmt.Fprintf(w, "  %s  %-*s  %*s  %s\n", modeString(f), ownW, fmt.Sprintf("%d:%d", f.UID, f.GID), fsizeW, thousands(f.Size), name); err != nil {
			return err
		}
	}
	return nil
}

// modeString renders f's type and mode like ls -l.
func modeString(f FileInfo) string {
	perm, _ := strconv.ParseUint(f.Mode, 8, 32)
	m := fs.FileMode(perm & 0o777)
	if perm&0o4000 != 0 {
		m |= fs.ModeSetuid
	}
	if perm&0o2000 != 0 {
		m |= fs.ModeSetgid
	}
	if perm&0o1000 != 0 {
		m |= fs.ModeSticky
	}
	switch f.Type {
	case "dir":
		m |= fs.ModeDir
	case "symlink":
		m |= fs.ModeSymlink
	case "char":
		m |= fs.ModeDevice | fs.ModeCharDevice
	case "block":
		m |= fs.ModeDevice
	case "fifo":
		m |= fs.ModeNamedPipe
	}
	s := m.String()
	if f.Type == "hardlink" {
		s = "h" + s[1:]
	}
	return s
}

// quoteList renders an exec-form command.
func quoteList(s []string) string {
	if len(s) == 0 {
		return ""
	}
	q := make([]string, len(s))
	for i, a := range s {
		q[i] = strconv.Quote(a)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// thousands formats n with comma separators: 1234567 -> "1,234,567".
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
