// Package upstream reads the release indexes of the projects a kiln spec pins: HAProxy's
// per-branch releases.json (haproxy.org/download/<branch>/src/releases.json, written by
// haproxy's scripts/make-releases-json: versions, file names, md5 and sha256), Lua's
// download list (lua.org/ftp/: file, date, size, sha256), PCRE2's and OpenSSL's GitHub
// releases (the REST API's release objects; each asset's "digest" is its sha256), zlib's
// fossils listing (zlib.net/fossils/, no hashes), and branch status (LTS, end of life)
// from endoflife.date's API v1, which collects what haproxy.org and openssl.org publish
// as web pages.
//
// Every request goes through go-retryablehttp with a timeout; every base URL can be
// replaced (a mirror, a test server), while the URLs a spec pins stay upstream's own
// https:// URLs. The package never reads the environment and logs only to a logger it is
// given.
package upstream
