package image

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Config is the runtime configuration recorded in the image config.
type Config struct {
	// Entrypoint and Cmd are the exec-form command of the container.
	Entrypoint, Cmd []string
	// Env holds KEY=VALUE pairs, kept in the given order.
	Env []string
	// User is the user (name or uid[:gid]) the process runs as; "" means root.
	User string
	// WorkingDir is the absolute working directory; "" means /.
	WorkingDir string
	// StopSignal is the signal that stops the container, e.g. "SIGUSR1"; "" means SIGTERM.
	StopSignal string
	// ExposedPorts are "PORT/PROTO" (tcp, udp or sctp); a bare "PORT" means tcp.
	ExposedPorts []string
	// Labels become the image's OCI config labels.
	Labels map[string]string
	// Created is recorded as the image's and its history entry's creation
	// time, in UTC; the zero value means 1970-01-01T00:00:00Z.
	Created time.Time
}

// historyCreatedBy is the created_by of the image's single history entry.
const historyCreatedBy = "kiln: Nix closure"

// configFile returns the serialized OCI image config for cfg and the layer's diff ID.
func configFile(cfg Config, diffID v1.Hash) ([]byte, error) {
	created := cfg.Created.UTC()
	if cfg.Created.IsZero() {
		created = time.Unix(0, 0).UTC()
	}
	ports := map[string]struct{}{}
	for _, p := range cfg.ExposedPorts {
		np, err := normalizePort(p)
		if err != nil {
			return nil, err
		}
		ports[np] = struct{}{}
	}
	if len(ports) == 0 {
		ports = nil
	}
	for _, kv := range cfg.Env {
		if k, _, ok := strings.Cut(kv, "="); !ok || k == "" {
			return nil, fmt.Errorf("env %q is not KEY=VALUE", kv)
		}
	}
	if cfg.WorkingDir != "" && !strings.HasPrefix(cfg.WorkingDir, "/") {
		return nil, fmt.Errorf("working directory %q is not absolute", cfg.WorkingDir)
	}
	for k := range cfg.Labels {
		if k == "" {
			return nil, fmt.Errorf("label with an empty key")
		}
	}
	var labels map[string]string
	if len(cfg.Labels) > 0 {
		labels = cfg.Labels
	}
	cf := v1.ConfigFile{
		Architecture: "amd64",
		OS:           "linux",
		Created:      v1.Time{Time: created},
		History:      []v1.History{{Created: v1.Time{Time: created}, CreatedBy: historyCreatedBy}},
		RootFS:       v1.RootFS{Type: "layers", DiffIDs: []v1.Hash{diffID}},
		Config: v1.Config{
			Entrypoint:   cfg.Entrypoint,
			Cmd:          cfg.Cmd,
			Env:          cfg.Env,
			User:         cfg.User,
			WorkingDir:   cfg.WorkingDir,
			StopSignal:   cfg.StopSignal,
			ExposedPorts: ports,
			Labels:       labels,
		},
	}
	// encoding/json sorts map keys, so the bytes depend on the values only.
	return json.Marshal(cf)
}

// normalizePort checks "PORT[/PROTO]" and returns "PORT/PROTO".
func normalizePort(p string) (string, error) {
	port, proto, ok := strings.Cut(p, "/")
	if !ok {
		proto = "tcp"
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 || strconv.Itoa(n) != port {
		return "", fmt.Errorf("exposed port %q: port must be a number from 1 to 65535", p)
	}
	switch proto {
	case "tcp", "udp", "sctp":
	default:
		return "", fmt.Errorf("exposed port %q: protocol must be tcp, udp or sctp", p)
	}
	return port + "/" + proto, nil
}

// manifestFile returns the serialized OCI image manifest for the config and layers.
func manifestFile(config []byte, layers ...*layer) ([]byte, error) {
	h, _, err := v1.SHA256(strings.NewReader(string(config)))
	if err != nil {
		return nil, err
	}
	m := v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		Config: v1.Descriptor{
			MediaType: types.OCIConfigJSON,
			Size:      int64(len(config)),
			Digest:    h,
		},
		Layers: []v1.Descriptor{},
	}
	for _, l := range layers {
		m.Layers = append(m.Layers, v1.Descriptor{
			MediaType: l.compression.MediaType(),
			Size:      int64(len(l.compressed)),
			Digest:    l.digest,
		})
	}
	return json.Marshal(m)
}
