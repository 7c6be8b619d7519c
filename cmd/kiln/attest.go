package main

import (
	"errors"
	"fmt"
	"net/url"

	"github.com/urfave/cli/v2"

	"github.com/kilnbuild/kiln/orchestrator"
	"github.com/kilnbuild/kiln/orchestrator/attest"
)

var (
	attestFlag    = &cli.BoolFlag{Name: "attest", Usage: "sign what this run proves with --sign-key (kiln key generate) and attach it to the image: build attaches SPDX and CycloneDX SBOMs and SLSA provenance; verify attaches a rebuild attestation"}
	builderIDFlag = &cli.StringFlag{Name: "builder-id", Usage: "this builder's identity `URI` in attestations (default " + orchestrator.BuilderIDBase + "HOSTNAME)"}
)

// attestOptions loads --sign-key as an attestation key and names this builder.
func attestOptions(c *cli.Context) (*orchestrator.AttestOptions, error) {
	file := c.String("sign-key")
	if file == "" {
		return nil, errors.New("--attest needs --sign-key FILE, the private key attestations are signed with (make one with `kiln key generate NAME`)")
	}
	key, err := attest.LoadPrivateKey(file)
	if err != nil {
		return nil, fmt.Errorf("--sign-key: %w", err)
	}
	id := c.String("builder-id")
	if id != "" {
		if u, err := url.Parse(id); err != nil || u.Scheme == "" || u.Host == "" && u.Opaque == "" {
			return nil, fmt.Errorf("--builder-id %q: want a URI such as %sNAME", truncate(id, 60), orchestrator.BuilderIDBase)
		}
	}
	return &orchestrator.AttestOptions{Key: key, Builder: orchestrator.ThisBuilder(id, ""), KilnVersion: version}, nil
}
