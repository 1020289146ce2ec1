#!/usr/bin/env bash
# CI's smoke set on the newer Node LTS lines (the whole suite runs on the machine's Node 20): the unit tests and the
# executor's, `berth run`'s and `berth dev`'s end-to-end tests, with every spawned node (executors, CLI) the same
# version. The binaries come from the npm registry's `node` package, installed outside the repository.
# Usage: bash scripts/smoke-node-versions.sh [MAJOR...]   (default: 22 24; run after `npm test` has built dist/)
set -euo pipefail
cd "$(dirname "$0")/.."
majors=("$@")
[ "${#majors[@]}" -gt 0 ] || majors=(22 24)
cache="${BERTH_NODE_VERSIONS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/berth-node-versions}"
smoke=(dist/src/ test/e2e/executorLifecycle test/e2e/executorToken test/e2e/executorMetrics test/e2e/run.test test/e2e/dev.test)
for major in "${majors[@]}"; do
  dir="$cache/$major"
  if [ ! -x "$dir/node_modules/node/bin/node" ]; then
    mkdir -p "$dir"
    npm install --prefix "$dir" --no-audit --no-fund --no-save "node@$major" >/dev/null
  fi
  bin="$dir/node_modules/node/bin"
  echo "smoke: $("$bin/node" --version) (${smoke[*]})"
  PATH="$bin:$PATH" node scripts/run-tests.mjs "${smoke[@]}"
done
