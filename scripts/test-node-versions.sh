#!/usr/bin/env bash
# Runs the vitest suite on other Node.js majors than the one installed.
#
# Each Node comes from the npm registry's `node` package through npx (cached in
# ~/.npm/_npx after the first run, ~15 s to fetch), so no version manager is
# needed. Vitest starts its workers with the same node binary.
#
#   bash scripts/test-node-versions.sh            # Node 22 and 24
#   NODE_VERSIONS="22 24 25" bash scripts/test-node-versions.sh
#
# Extra arguments go to `vitest run` (e.g. a file filter).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
[[ -f node_modules/vitest/vitest.mjs ]] || {
  echo "test-node-versions: node_modules/vitest is missing: run \`npm ci\` first" >&2
  exit 1
}

read -r -a versions <<<"${NODE_VERSIONS:-22 24}"
failed=()
summary=()
for version in "${versions[@]}"; do
  start=$SECONDS
  printf '\n=== vitest on Node %s (from the npm registry package node@%s)\n' "$version" "$version"
  # -y: no prompt (CI has no stdin). The inner `node` is the fetched one.
  if npx -y -p "node@$version" -- node -e 'console.log(`node ${process.version} at ${process.execPath}`)' &&
    npx -y -p "node@$version" -- node node_modules/vitest/vitest.mjs run "$@" </dev/null; then
    summary+=("Node $version: passed in $((SECONDS - start))s")
  else
    summary+=("Node $version: FAILED in $((SECONDS - start))s")
    failed+=("$version")
  fi
done

printf '\n=== node matrix\n'
printf '  %s\n' "${summary[@]}"
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "test-node-versions: failed on Node ${failed[*]}" >&2
  exit 1
fi
