package main

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// flagsFirst returns args (os.Args) rearranged so that urfave/cli, which stops reading
// flags at a command's first positional argument, sees every flag: `kiln gen spec.toml -o
// flake` becomes `kiln gen -o flake spec.toml`. For the command (and subcommand) named in
// args, each flag it defines is moved, with its value when it takes one, before the
// positional arguments, which keep their order; a flag of the app itself (--quiet) given
// after the command moves before the command. Everything after `--` stays positional.
// Unknown flags are moved too, so urfave/cli reports them as it would.
func flagsFirst(app *cli.App, args []string) []string {
	if len(args) < 2 {
		return args
	}
	out := []string{args[0]}
	rest := args[1:]
	global, rest := leadingFlags(app.Flags, rest)
	if len(rest) == 0 || rest[0] == "--" {
		return append(append(out, global...), rest...)
	}
	cmd := findCommand(app.Commands, rest[0])
	if cmd == nil {
		return append(append(out, global...), rest...) // urfave/cli says "no such command"
	}
	names := []string{rest[0]}
	rest = rest[1:]
	var cmdFlags []string
	// Subcommands: flags between names belong to the parent, as urfave/cli reads them.
	for len(cmd.Subcommands) > 0 {
		var f []string
		f, rest = leadingFlags(cmd.Flags, rest)
		cmdFlags = append(cmdFlags, f...)
		if len(rest) == 0 {
			break
		}
		sub := findCommand(cmd.Subcommands, rest[0])
		if sub == nil {
			break
		}
		names = append(names, rest[0])
		rest = rest[1:]
		cmd = sub
	}
	var flags, positional []string
	sep := false
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		if a == "--" {
			positional = append(positional, rest[i+1:]...)
			sep = true
			break
		}
		if !isFlag(a) {
			positional = append(positional, a)
			continue
		}
		name, hasValue := flagName(a)
		dst := &flags
		f := lookupFlag(cmd.Flags, name)
		if f == nil && name != "help" && name != "h" {
			if g := lookupFlag(app.Flags, name); g != nil {
				f, dst = g, &global
			}
		}
		*dst = append(*dst, a)
		if f != nil && takesValue(f) && !hasValue && i+1 < len(rest) {
			i++
			*dst = append(*dst, rest[i])
		}
	}
	out = append(out, global...)
	out = append(out, names[0])
	if len(names) > 1 {
		// Parent flags stay before the subcommand name.
		out = append(out, cmdFlags...)
		out = append(out, names[1:]...)
	}
	out = append(out, flags...)
	if sep || needsSeparator(positional) {
		out = append(out, "--")
	}
	return append(out, positional...)
}

// leadingFlags splits off the flags (with their values) at the start of args.
func leadingFlags(defined []cli.Flag, args []string) (flags, rest []string) {
	i := 0
	for i < len(args) && isFlag(args[i]) && args[i] != "--" {
		name, hasValue := flagName(args[i])
		i++
		if f := lookupFlag(defined, name); f != nil && takesValue(f) && !hasValue && i < len(args) {
			i++
		}
	}
	return args[:i], args[i:]
}

// needsSeparator reports whether a positional argument would be read as a flag ("-x"
// given after "--").
func needsSeparator(positional []string) bool {
	for _, p := range positional {
		if isFlag(p) {
			return true
		}
	}
	return false
}

func isFlag(a string) bool { return len(a) > 1 && a[0] == '-' }

// flagName returns the name of a flag argument ("--out=x" → "out") and whether it carries
// its value.
func flagName(a string) (string, bool) {
	name := strings.TrimLeft(a, "-")
	if i := strings.IndexByte(name, '='); i >= 0 {
		return name[:i], true
	}
	return name, false
}

func findCommand(cmds []*cli.Command, name string) *cli.Command {
	for _, c := range cmds {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}

func lookupFlag(flags []cli.Flag, name string) cli.Flag {
	for _, f := range flags {
		for _, n := range f.Names() {
			if n == name {
				return f
			}
		}
	}
	return nil
}

// takesValue reports whether f reads the next argument as its value (not a bool flag).
func takesValue(f cli.Flag) bool {
	if v, ok := f.(interface{ TakesValue() bool }); ok {
		return v.TakesValue()
	}
	return true
}
