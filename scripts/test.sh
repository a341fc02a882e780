#!/usr/bin/env bash
# Runs Trainyard's whole test suite: scripts/setup.sh, `buf lint`, a type-check of the tests,
# then vitest (projects `unit` and `integration`), then the benchmarks in smoke mode (project
# `bench` with TRAINYARD_BENCH_SMOKE=1, when no arguments were given). Extra arguments go to vitest, e.g.
#   npm test -- test/harness             # one folder
#   npm run test:unit                    # the unit project alone (no setup)
# Exits with vitest's exit code. After vitest, prints a closing line "tests: N passed,
# N failed[, N skipped]" (from vitest's JSON report) unless --reporter was given.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO"

bash "$REPO/scripts/setup.sh"

log "buf lint"
npx --no-install buf lint || die "buf lint failed"

log "type-check the tests"
npx --no-install tsc -p tsconfig.test.json || die "tests do not type-check"

reporter_args=()
report="$TRAINYARD_STATE_DIR/vitest-report.json"
if [[ " $* " != *" --reporter"* ]]; then
  mkdir -p "$TRAINYARD_STATE_DIR"
  rm -f "$report"
  reporter_args=(--reporter=default --reporter=json "--outputFile.json=$report")
fi

log "vitest run ${*:-}"
rc=0
npx --no-install vitest run --project unit --project integration "${reporter_args[@]}" "$@" || rc=$?

# The benchmarks, in smoke mode: small sizes, only to show they still run (figures: npm run bench).
if ((rc == 0)) && [[ $# -eq 0 ]]; then
  log "benchmarks, smoke mode"
  TRAINYARD_BENCH_SMOKE=1 npx --no-install vitest run --project bench || rc=$?
fi

if ((${#reporter_args[@]})) && [[ -s $report ]]; then
  # shellcheck disable=SC2016
  node -e '
    const r = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
    const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
    console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed` +
      (skipped ? `, ${skipped} skipped` : ""));
  ' "$report" || true
fi
exit "$rc"
