#!/usr/bin/env bash
# Builds a local stand-in for an image the project's Docker files need when it cannot be pulled (no Docker
# Hub here), tagged with that image's name. The Dockerfile and compose.yaml stay the standard ones users run
# against the real images; this only fills in for them. Needs root.
#
#   tests/docker/stand-in-base.sh node:20-bookworm-slim   the Dockerfile's base: a Debian bookworm root
#                                                         filesystem (debootstrap --variant=minbase, from
#                                                         Debian's own packages) plus this machine's Node.js
#                                                         (binary, npm, headers) and the image's `node` user
#   tests/docker/stand-in-base.sh postgres:16             compose.yaml's database: the same root filesystem
#                                                         with Debian's PostgreSQL and an entrypoint keeping
#                                                         the official image's contract (postgres-stand-in/).
#                                                         Debian bookworm ships PostgreSQL 15: the stand-in is
#                                                         15 under the 16 tag; a real `docker compose` pulls 16
#   tests/docker/stand-in-base.sh debian:bookworm-slim    the root filesystem alone (the postgres stand-in's base)
#
# The Node major must be the image's (the tests run on this machine's Node): node:20-* needs Node 20 here.
# The debootstrap result is cached in .data/docker/ (a second run takes seconds).
set -euo pipefail
cd "$(dirname "$0")/../.."

IMAGE="${1:?usage: $0 <image: node:20-bookworm-slim | postgres:16 | debian:bookworm-slim>}"
CACHE=.data/docker
mkdir -p "$CACHE"

# The cached Debian minbase root filesystem of a suite, as a tar file (made once).
rootfs_tar() {
  local suite="$1" tar="$CACHE/rootfs-$1-minbase.tar" work
  if [ ! -s "$tar" ]; then
    work="$(mktemp -d)"
    echo "stand-in-base: debootstrap --variant=minbase $suite (Debian packages, a few minutes)" >&2
    debootstrap --variant=minbase "$suite" "$work/rootfs" http://deb.debian.org/debian >"$CACHE/debootstrap.log" 2>&1 ||
      { tail -20 "$CACHE/debootstrap.log" >&2; rm -rf "$work"; exit 1; }
    # like the official slim images: no apt lists, no docs
    rm -rf "$work/rootfs/var/lib/apt/lists/"* "$work/rootfs/usr/share/doc/"* "$work/rootfs/usr/share/man/"*
    tar -C "$work/rootfs" -cf "$tar.tmp" .
    mv "$tar.tmp" "$tar"
    rm -rf "$work"
  fi
  echo "$tar"
}

# A machine whose HTTPS goes through an intercepting proxy trusts its CA through NODE_EXTRA_CA_CERTS: so do
# the stand-ins (npm ci inside the build needs it). The real images have no such thing and need none.
ca_changes() {
  local rootfs="$1"
  CA_ENV=()
  if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -s "$NODE_EXTRA_CA_CERTS" ]; then
    install -D -m 644 "$NODE_EXTRA_CA_CERTS" "$rootfs/usr/local/share/stand-in/extra-ca.crt"
    CA_ENV=(--change 'ENV NODE_EXTRA_CA_CERTS=/usr/local/share/stand-in/extra-ca.crt'
      --change 'ENV NPM_CONFIG_CAFILE=/usr/local/share/stand-in/extra-ca.crt')
  fi
}

case "$IMAGE" in
debian:*-slim)
  SUITE="$(sed -E 's/^debian:([a-z]+)-slim$/\1/' <<<"$IMAGE")"
  TAR="$(rootfs_tar "$SUITE")"
  docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' \
    "$TAR" "$IMAGE" >/dev/null
  echo "stand-in-base: built $IMAGE (Debian $SUITE minbase)"
  ;;

postgres:*)
  # postgres-stand-in/Dockerfile starts FROM debian:bookworm-slim, as the official image does
  if ! docker image inspect debian:bookworm-slim >/dev/null 2>&1; then "$0" debian:bookworm-slim; fi
  DOCKER_BUILDKIT=0 docker build -q -t "$IMAGE" \
    --label "org.opencontainers.image.description=stand-in for $IMAGE: Debian bookworm PostgreSQL 15 (tests/docker/stand-in-base.sh)" \
    tests/docker/postgres-stand-in >/dev/null
  echo "stand-in-base: built $IMAGE (Debian bookworm + Debian's PostgreSQL $(docker run --rm --entrypoint postgres "$IMAGE" -V | awk '{print $3}'): NOT 16, a stand-in wearing the tag)"
  ;;

node:*)
  MAJOR="$(node -p 'process.versions.node.split(".")[0]')"
  WANT="$(sed -E 's/^node:([0-9]+)-.*/\1/' <<<"$IMAGE")"
  if [ "$MAJOR" != "$WANT" ]; then
    echo "stand-in-base: $IMAGE needs Node $WANT, this machine has Node $MAJOR" >&2
    exit 1
  fi
  SUITE="$(sed -E 's/^node:[0-9]+-([a-z]+).*/\1/' <<<"$IMAGE")"
  TAR="$(rootfs_tar "$SUITE")"

  # This machine's Node.js where the official image has it (/usr/local), and its `node` user (uid/gid 1000).
  WORK="$(mktemp -d)"
  trap 'rm -rf "$WORK"' EXIT
  mkdir -p "$WORK/rootfs"
  tar -C "$WORK/rootfs" -xf "$TAR"
  NODE_BIN="$(readlink -f "$(command -v node)")"
  NODE_PREFIX="$(dirname "$(dirname "$NODE_BIN")")"
  install -D -m 755 "$NODE_BIN" "$WORK/rootfs/usr/local/bin/node"
  mkdir -p "$WORK/rootfs/usr/local/lib/node_modules" "$WORK/rootfs/usr/local/include"
  cp -a "$NODE_PREFIX/lib/node_modules/npm" "$WORK/rootfs/usr/local/lib/node_modules/npm"
  [ -d "$NODE_PREFIX/include/node" ] && cp -a "$NODE_PREFIX/include/node" "$WORK/rootfs/usr/local/include/node"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$WORK/rootfs/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$WORK/rootfs/usr/local/bin/npx"
  chroot "$WORK/rootfs" /bin/sh -c 'groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node'
  ca_changes "$WORK/rootfs"

  tar -C "$WORK/rootfs" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "ENV NODE_VERSION=$(node -p process.versions.node)" \
    --change 'CMD ["node"]' \
    "${CA_ENV[@]}" \
    - "$IMAGE" >/dev/null
  echo "stand-in-base: built $IMAGE (Debian $SUITE minbase + Node $(node -v) of this machine)"
  ;;

*)
  echo "stand-in-base: no stand-in for $IMAGE" >&2
  exit 1
  ;;
esac
