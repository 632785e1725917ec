#!/usr/bin/env bash
# Builds a local stand-in for the Dockerfile's base image when it cannot be pulled (no Docker Hub here):
# a Debian bookworm root filesystem (debootstrap --variant=minbase, from Debian's own packages) plus this
# machine's Node.js (binary, npm, headers), tagged with the base image's name. The Dockerfile stays the
# standard one that users build against the real image; this only fills in for it. Needs root.
#
#   tests/docker/stand-in-base.sh <image>     e.g. node:20-bookworm-slim
#
# The Node major must be the image's (the tests run on this machine's Node): node:20-* needs Node 20 here.
# The debootstrap result is cached in .data/docker/ (a second run takes seconds).
set -euo pipefail
cd "$(dirname "$0")/../.."

IMAGE="${1:?usage: $0 <image, e.g. node:20-bookworm-slim>}"
MAJOR="$(node -p 'process.versions.node.split(".")[0]')"
WANT="$(sed -E 's/^node:([0-9]+)-.*/\1/' <<<"$IMAGE")"
if [ "$MAJOR" != "$WANT" ]; then
  echo "stand-in-base: $IMAGE needs Node $WANT, this machine has Node $MAJOR" >&2
  exit 1
fi
SUITE="$(sed -E 's/^node:[0-9]+-([a-z]+).*/\1/' <<<"$IMAGE")"

CACHE=.data/docker
ROOTFS_TAR="$CACHE/rootfs-$SUITE-minbase.tar"
mkdir -p "$CACHE"
if [ ! -s "$ROOTFS_TAR" ]; then
  WORK="$(mktemp -d)"
  echo "stand-in-base: debootstrap --variant=minbase $SUITE (Debian packages, a few minutes)"
  debootstrap --variant=minbase "$SUITE" "$WORK/rootfs" http://deb.debian.org/debian >"$CACHE/debootstrap.log" 2>&1 ||
    { tail -20 "$CACHE/debootstrap.log" >&2; exit 1; }
  # like the official slim images: no apt lists, no docs
  rm -rf "$WORK/rootfs/var/lib/apt/lists/"* "$WORK/rootfs/usr/share/doc/"* "$WORK/rootfs/usr/share/man/"*
  tar -C "$WORK/rootfs" -cf "$ROOTFS_TAR.tmp" .
  mv "$ROOTFS_TAR.tmp" "$ROOTFS_TAR"
  rm -rf "$WORK"
fi

# This machine's Node.js where the official image has it (/usr/local), and its `node` user (uid/gid 1000).
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/rootfs"
tar -C "$WORK/rootfs" -xf "$ROOTFS_TAR"
NODE_BIN="$(readlink -f "$(command -v node)")"
NODE_PREFIX="$(dirname "$(dirname "$NODE_BIN")")"
install -D -m 755 "$NODE_BIN" "$WORK/rootfs/usr/local/bin/node"
mkdir -p "$WORK/rootfs/usr/local/lib/node_modules" "$WORK/rootfs/usr/local/include"
cp -a "$NODE_PREFIX/lib/node_modules/npm" "$WORK/rootfs/usr/local/lib/node_modules/npm"
[ -d "$NODE_PREFIX/include/node" ] && cp -a "$NODE_PREFIX/include/node" "$WORK/rootfs/usr/local/include/node"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$WORK/rootfs/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$WORK/rootfs/usr/local/bin/npx"
chroot "$WORK/rootfs" /bin/sh -c 'groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node'
# A machine whose HTTPS goes through an intercepting proxy trusts its CA through NODE_EXTRA_CA_CERTS: so does
# the stand-in (npm ci inside the build needs it). The real image has no such thing and needs none.
CA_ENV=()
if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -s "$NODE_EXTRA_CA_CERTS" ]; then
  install -D -m 644 "$NODE_EXTRA_CA_CERTS" "$WORK/rootfs/usr/local/share/stand-in/extra-ca.crt"
  CA_ENV=(--change 'ENV NODE_EXTRA_CA_CERTS=/usr/local/share/stand-in/extra-ca.crt'
    --change 'ENV NPM_CONFIG_CAFILE=/usr/local/share/stand-in/extra-ca.crt')
fi

tar -C "$WORK/rootfs" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "ENV NODE_VERSION=$(node -p process.versions.node)" \
  --change 'CMD ["node"]' \
  "${CA_ENV[@]}" \
  - "$IMAGE" >/dev/null
echo "stand-in-base: built $IMAGE (Debian $SUITE minbase + Node $(node -v) of this machine)"
