# kiln: the two commands a newcomer runs on a fresh Debian 12 machine are `make demo` and
# `make test`. Both install what is missing (Debian packages, pinned source tarballs).
SHELL := /bin/bash
export PATH := /usr/local/go/bin:$(PATH)
# go.mod's toolchain line, for every go command below and in the scripts: a machine whose Go
# is set to its own version (GOTOOLCHAIN=local) would otherwise ignore it. The go command
# fetches that release from the Go module proxy once (~76 MB) and checks it against Go's
# checksum database.
export GOTOOLCHAIN := $(shell sed -n 's/^toolchain //p' go.mod)
GO ?= go
MIRROR ?= $(CURDIR)/.mirror
KILN := $(CURDIR)/bin/kiln

.PHONY: all setup sources kiln demo test vulncheck test-crosshost-full fuzz bench bench-features bench-bump bench-load speed-profile clean

all: kiln

setup:
	bash scripts/setup.sh

# Pinned upstream tarballs from Debian's source packages and the pinned toolchain's Debian
# packages, every one checked by sha256.
sources: setup
	bash scripts/sources.sh $(MIRROR) haproxy-3.0.11 haproxy-3.0.11-debian haproxy-2.6.12 lua pcre2 openssl openssl-debian zlib
	bash scripts/debs.sh $(MIRROR)

kiln:
	$(GO) build -trimpath -o $(KILN) ./cmd/kiln

# Build the default HAProxy image offline (pinned toolchain, everything from the mirror).
demo: setup sources kiln
	bash scripts/demo.sh $(KILN) $(MIRROR)

# Every test, against real nix, a real registry and a real container runtime.
test: setup sources
	bash scripts/test.sh $(MIRROR)

# The full-feature spec built on this machine and in the Debian 13 second host, compared
# path by path (not in `make test`: the second host compiles every library from nothing).
test-crosshost-full: setup sources
	bash scripts/second-host.sh create >/dev/null
	KILN_MIRROR=$(MIRROR) KILN_TEST_CROSSHOST_FULL=1 CI=true $(GO) test -count=1 -timeout 60m -v \
	  -run 'TestSecondHostFullFeature' ./cmd/kiln

# govulncheck against a pinned snapshot of the Go vulnerability database (make test runs it).
vulncheck:
	bash scripts/vulncheck.sh

# Go fuzzing of everything that reads untrusted input, a bounded count each (FUZZTIME overrides; make test runs it).
fuzz:
	bash scripts/fuzz.sh

# Size and speed figures for the README.
bench: setup sources kiln
	bash scripts/bench.sh $(KILN) $(MIRROR)

# The feature matrix: variant × (binary, image gzip/zstd, cold build, build with libraries cached).
bench-features: setup sources kiln
	bash scripts/bench-features.sh $(KILN) $(MIRROR)

# Time kiln bump --check for a HAProxy patch release (a stand-in served on 127.0.0.1).
bench-bump: setup sources kiln
	bash scripts/bench-bump.sh $(KILN) $(MIRROR)

# kiln's HAProxy under load against a glibc build of the same tarball (ratios; README: Speed).
# ROUNDS, DURATION, VARIANTS, SPECS, TUNE: see the script's header.
bench-load: setup sources kiln
	bash scripts/bench-load.sh $(KILN) $(MIRROR)

# Record the profile `kiln init --speed` ships (nixgen/spec/speed.profile.tar.gz), again after
# any change to the recipes or the default spec's pins (a test names this target when it is stale).
speed-profile: setup sources kiln
	bash scripts/speed-profile.sh $(KILN) $(MIRROR)
	$(GO) build -trimpath -o $(KILN) ./cmd/kiln

clean:
	rm -rf bin out
