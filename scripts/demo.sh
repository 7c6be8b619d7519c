#!/usr/bin/env bash
# The main job: build the default HAProxy image offline (pinned toolchain; sources and the
# toolchain's packages from the mirror) into ./out/haproxy, plus a docker-archive beside it, and say how to run it.
set -euo pipefail
kiln=${1:?usage: demo.sh KILN MIRROR}; mirror=${2:?usage: demo.sh KILN MIRROR}
cd "$(dirname "$0")/.."
digest=$("$kiln" build --mirror "$mirror" \
  -o oci:./out/haproxy:3.0.11 -o docker-archive:./out/haproxy.tar)
"$kiln" inspect oci:./out/haproxy:3.0.11 | sed -n '1,/^Size/p'
cat <<MSG

Built the default HAProxy image: $digest
  OCI layout:     ./out/haproxy (tag 3.0.11)
  docker-archive: ./out/haproxy.tar

Run it (it listens on 8080 and answers GET /):
  docker load -i out/haproxy.tar && docker run --rm -p 8080:8080 haproxy:3.0.11
  podman load -i out/haproxy.tar && podman run --rm -p 8080:8080 haproxy:3.0.11
  curl http://127.0.0.1:8080/
Check it is the same as anyone else's build: kiln build prints the same digest.
MSG
