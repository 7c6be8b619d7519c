package main

import (
	"fmt"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/kilnbuild/kiln/orchestrator/attest"
)

func keyCommand() *cli.Command {
	return &cli.Command{
		Name:  "key",
		Usage: "manage the keys kiln signs attestations (provenance, rebuild results) with",
		Subcommands: []*cli.Command{{
			Name: "generate",
			Usage: "write a signing key pair NAME.key (PKCS#8 PEM, mode 0600) and NAME.pub (PEM); print the public key.\n" +
				"   Anyone verifies with NAME.pub: kiln, or `cosign verify-attestation --key NAME.pub --insecure-ignore-tlog`",
			ArgsUsage: "NAME",
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "dir", Value: ".", Usage: "directory to write the key files in"},
				&cli.StringFlag{Name: "algorithm", Value: string(attest.DefaultAlgorithm),
					Usage: "ed25519 (deterministic signatures) or ecdsa-p256"},
			},
			Action: runKeyGenerate,
		}},
	}
}

func runKeyGenerate(c *cli.Context) error {
	if c.NArg() != 1 {
		return fmt.Errorf("expected one NAME (e.g. builder-1), got %d arguments", c.NArg())
	}
	name := c.Args().First()
	if name == "" || name != filepath.Base(name) || name[0] == '.' {
		return fmt.Errorf("key NAME %q: a plain file name, without directories (use --dir for where)", name)
	}
	alg := attest.Algorithm(c.String("algorithm"))
	if !alg.Valid() {
		return fmt.Errorf("--algorithm %q: use %s or %s", alg, attest.Ed25519, attest.ECDSAP256)
	}
	k, err := attest.GenerateKey(alg)
	if err != nil {
		return err
	}
	dir := c.String("dir")
	priv, pub := filepath.Join(dir, name+".key"), filepath.Join(dir, name+".pub")
	if err := attest.WriteKeyPair(k, priv, pub); err != nil {
		return err
	}
	fmt.Fprintf(c.App.ErrWriter, "wrote %s (private, 0600) and %s (%s, key id %s); give %s to whoever verifies\n",
		priv, pub, alg, k.Public().ID, pub)
	_, err = c.App.Writer.Write(k.Public().MarshalPEM())
	return err
}
