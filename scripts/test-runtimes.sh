#!/usr/bin/env bash
# End-to-end checks of the packed package on Bun and Deno.
#
# Each runtime comes from the npm registry at a pinned version (the `bun` and
# `deno` packages, whose binaries ship in platform packages that npm picks as
# optional dependencies), installed once into a cache outside the repository:
# no contributor downloads them through `npm ci`. Install scripts are not run:
# the binary is taken straight from the platform package, not through the
# npm `bin` wrapper (Deno's is a Node script that dies at the first SIGTERM
# and leaves deno running on its own).
#
# Then the package is packed as `npm publish` would, installed by name into a
# scratch project outside the repository, and test/runtimes/driver.ts runs its
# end-to-end set (listed at its top) on each runtime.
#
#   bash scripts/test-runtimes.sh               # Bun and Deno
#   RUNTIMES=deno bash scripts/test-runtimes.sh # one of them
#
# RUNTIMES_CACHE sets the cache (default ~/.cache/modelreins-worker/runtimes,
# about 200 MB); KEEP_RUNTIMES_TEST=1 keeps the scratch project for a look.
# Exits non-zero if any check on any runtime fails, after running them all.
set -euo pipefail

# The versions checked; the README's "Runtimes" line names the same.
BUN_VERSION=1.4.5
DENO_VERSION=2.9.6

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${RUNTIMES_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/modelreins-worker/runtimes}"
work="$(mktemp -d "${TMPDIR:-/tmp}/modelreins-runtimes.XXXXXX")"
trap '[[ -n "${KEEP_RUNTIMES_TEST:-}" ]] && echo "kept $work" || rm -rf "$work"' EXIT

die() {
  printf 'test-runtimes: FAIL: %s\n' "$*" >&2
  exit 1
}
step() { printf '\n--- test-runtimes: %s (at %ds)\n' "$*" "$SECONDS"; }

for dep in tsx typescript @types/node undici-types; do
  [[ -d "$root/node_modules/$dep" ]] || die "node_modules/$dep is missing: run \`npm ci\` first"
done

# Prints the path of a working binary of runtime $1 at version $2, installing
# it into the cache first if needed.
runtime_binary() {
  local name="$1" version="$2" dir="$cache/$1-$2" binary
  find_binary() {
    # The platform package npm chose for this machine (os, cpu and libc).
    case "$name" in
      bun) compgen -G "$1/node_modules/@oven/bun-*/bin/bun" | head -1 ;;
      deno) compgen -G "$1/node_modules/@deno/*/deno" | head -1 ;;
    esac
  }
  binary="$(find_binary "$dir" || true)"
  if [[ -z "$binary" ]] || ! "$binary" --version 2>/dev/null | grep -qF "$version"; then
    printf '  fetching %s@%s from the npm registry into %s\n' "$name" "$version" "$dir" >&2
    rm -rf "$dir.partial" "$dir"
    npm install --prefix "$dir.partial" --ignore-scripts --no-save --no-package-lock --no-audit --no-fund \
      --loglevel=error "$name@$version" >&2 || return 1
    mv "$dir.partial" "$dir"
    binary="$(find_binary "$dir" || true)"
    [[ -n "$binary" ]] || {
      printf '  no %s binary for %s in the platform packages of %s@%s\n' "$name" "$(uname -sm)" "$name" "$version" >&2
      return 1
    }
  fi
  printf '%s\n' "$binary"
}

step "runtimes (cache: $cache)"
read -r -a wanted <<<"${RUNTIMES:-bun deno}"
declare -A binaries
for name in "${wanted[@]}"; do
  case "$name" in
    bun) version="$BUN_VERSION" ;;
    deno) version="$DENO_VERSION" ;;
    *) die "unknown runtime \"$name\" in RUNTIMES: use bun, deno or both" ;;
  esac
  binaries[$name]="$(runtime_binary "$name" "$version")" || die "could not install $name@$version"
  printf '  ok   %s\n' "$("${binaries[$name]}" --version | head -1) at ${binaries[$name]}"
done

# Built code newer than every source file, else a build.
if [[ ! -f "$root/dist/index.js" || -n "$(find "$root/src" -newer "$root/dist/index.js" -print -quit)" ]]; then
  step "build (dist/ is missing or older than src/)"
  (cd "$root" && npm run --silent build >/dev/null) || die "npm run build failed"
fi

step "pack and install by name into a scratch project"
app="$work/app"
mkdir -p "$app/node_modules/@types"
tarball="$(cd "$root" && npm pack --silent --pack-destination "$work" 2>/dev/null | tail -1)"
[[ -f "$work/$tarball" ]] || die "npm pack did not produce a tarball"
printf '{ "name": "runtimes-app", "version": "0.0.0", "private": true, "type": "module" }\n' >"$app/package.json"
(cd "$app" && npm install --no-audit --no-fund --no-package-lock --loglevel=error "$work/$tarball") ||
  die "npm install of the tarball failed"
# Types for the `node:` modules the test files import: Deno type-checks what
# `deno test` runs, and a Deno project with a package.json takes them from there.
ln -s "$root/node_modules/@types/node" "$app/node_modules/@types/node"
ln -s "$root/node_modules/undici-types" "$app/node_modules/undici-types"
cp "$root"/test/runtimes/app/*.ts "$app/"
printf '  ok   %s into %s\n' "$tarball" "$app"

failed=()
summary=()
for name in "${wanted[@]}"; do
  start=$SECONDS
  step "$name"
  if (cd "$root" && node node_modules/tsx/dist/cli.mjs test/runtimes/driver.ts "$name" "${binaries[$name]}" "$app"); then
    summary+=("$name: passed in $((SECONDS - start))s")
  else
    summary+=("$name: FAILED in $((SECONDS - start))s")
    failed+=("$name")
  fi
done

printf '\n=== runtimes\n'
printf '  %s\n' "${summary[@]}"
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "test-runtimes: failed on ${failed[*]}" >&2
  exit 1
fi
printf 'test-runtimes: all checks passed in %ds\n' "$SECONDS"
