package tmpdeps

import (
	_ "github.com/BurntSushi/toml"
	_ "github.com/google/go-containerregistry/pkg/v1/remote"
	_ "github.com/google/go-containerregistry/pkg/v1/layout"
	_ "github.com/google/go-containerregistry/pkg/v1/tarball"
	_ "github.com/google/go-containerregistry/pkg/v1/validate"
	_ "github.com/google/go-containerregistry/pkg/registry"
	_ "github.com/google/go-containerregistry/pkg/authn"
	_ "github.com/hashicorp/go-retryablehttp"
	_ "github.com/urfave/cli/v2"
	_ "github.com/klauspost/compress/zstd"
)
