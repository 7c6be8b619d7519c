package main

import (
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/kilnbuild/kiln/orchestrator"
	"github.com/kilnbuild/kiln/orchestrator/audit"
	"github.com/kilnbuild/kiln/orchestrator/publish"
)

func auditCommand() *cli.Command {
	return &cli.Command{
		Name:      "audit",
		Usage:     "check the hardening of binaries and images: static, PIE, RELRO, NX, canary, stripped; no shell, no package manager, non-root",
		ArgsUsage: "FILE | DIR | STORE-PATH | oci:DIR[:TAG] | docker-archive:FILE | docker://REF",
		Description: `Audits every ELF file (debug/elf; stack canaries are recognised in stripped static
binaries too) and, for images, the filesystem and run user. Exits non-zero on any
violation of the policy (default: every property).`,
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "policy", Value: cli.NewStringSlice(audit.PolicyWords...), Usage: "properties to require: " + strings.Join(audit.PolicyWords, ", ")},
			jsonFlag,
			insecureFlag,
			timeoutFlag,
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return fmt.Errorf("expected one TARGET, got %d arguments", c.NArg())
			}
			policy := c.StringSlice("policy")
			if err := audit.ValidatePolicy(policy); err != nil {
				return fmt.Errorf("--policy: %w", err)
			}
			arg := c.Args().First()
			var rep *orchestrator.AuditReport
			if t, err := publish.ParseTarget(arg); err == nil {
				img, err := publish.Open(c.Context, t, publishOptions(c)...)
				if err != nil {
					return err
				}
				if rep, err = orchestrator.AuditImage(img, policy); err != nil {
					return err
				}
			} else {
				if _, err := os.Stat(arg); err != nil {
					return fmt.Errorf("%s: %w (give a file, a directory, a store path or an image target such as oci:DIR)", arg, err)
				}
				if rep, err = orchestrator.AuditTree([]string{arg}, policy, ""); err != nil {
					return err
				}
			}
			if c.Bool("json") {
				if err := printJSON(c, rep); err != nil {
					return err
				}
			} else if err := writeAudit(c, rep); err != nil {
				return err
			}
			if !rep.OK() {
				return fmt.Errorf("%d hardening violation(s)", len(rep.Violations))
			}
			return nil
		},
	}
}

func writeAudit(c *cli.Context, rep *orchestrator.AuditReport) error {
	out := newSafeWriter(c.App.Writer)
	defer out.Flush()
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "FILE\tTYPE\tRELRO\tNX\tCANARY\tFORTIFY\tSTRIPPED")
	for _, r := range rep.ELF {
		fmt.Fprintf(w, "%s\t%s\t%s\t%t\t%s\t%s\t%t\n", r.File, r.Type, r.RELRO, r.NX, r.Canary, r.Fortify, r.Stripped)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if len(rep.ELF) == 0 {
		fmt.Fprintln(out, "(no ELF files)")
	}
	for _, v := range rep.Violations {
		fmt.Fprintln(out, "VIOLATION:", v)
	}
	return nil
}
