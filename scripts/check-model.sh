#!/usr/bin/env bash
# Model-checks the consensus voting rules (models/tendermint.pml) with spin, once per
# configuration, and fails when a result differs from the expected one: agreement must hold for
# f Byzantine out of 3f+1 and for 2-of-3 with a crash, and must be violated by the negative
# controls (2-of-3 with a Byzantine validator, quorums that need not intersect, and two broken
# variants of the protocol) — those show the check can fail. models/README.md explains the model.
#
# MODEL_ROUNDS (default 3) sets how many rounds are explored. Without spin or gcc the check is
# skipped with a note, except in CI (CI=true), where that is an error.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds="${MODEL_ROUNDS:-3}"
model="$PWD/models/tendermint.pml"

missing=()
command -v spin >/dev/null 2>&1 || missing+=(spin)
command -v gcc >/dev/null 2>&1 || missing+=(gcc)
if [ ${#missing[@]} -gt 0 ]; then
  echo "check-model: ${missing[*]} not installed (Debian: apt-get install spin gcc)" >&2
  if [ "${CI:-}" = "true" ]; then
    exit 1
  fi
  echo "check-model: skipped (not CI)" >&2
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$model" "$work/tendermint.pml"

failures=0

# check NAME EXPECT SEARCH DEFINES...: EXPECT is "holds" or "violated"; SEARCH is "dfs" or
# "bfs" (breadth-first finds a shortest counterexample, worth it where that is cheap).
check() {
  local name="$1" expect="$2" search="$3"
  shift 3
  local defines=("-DMAXROUND=$rounds" "$@")
  local dir="$work/$name"
  mkdir -p "$dir"
  cp "$work/tendermint.pml" "$dir/"
  # Exhaustive search of safety properties; COLLAPSE keeps the largest run near 0.8 GB.
  local cflags=(-O2 -DSAFETY -DCOLLAPSE -DMEMLIM=4096)
  if [ "$search" = bfs ]; then cflags+=(-DBFS); fi
  local start end out
  start="$(date +%s.%N)"
  (cd "$dir" &&
    spin -a "${defines[@]}" tendermint.pml >spin.log 2>&1 &&
    gcc "${cflags[@]}" -o pan pan.c 2>gcc.log &&
    ./pan -m1000000 >pan.log 2>&1) || { echo "$name: could not build or run the verifier"; cat "$dir"/*.log; failures=$((failures + 1)); return; }
  end="$(date +%s.%N)"
  out="$dir/pan.log"

  local states depth errors result
  states="$(awk '/states, stored/ { print $1; exit }' "$out")"
  depth="$(sed -n 's/.*depth reached \([0-9]*\).*/\1/p' "$out" | head -1)"
  errors="$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' "$out" | head -1)"
  # A violation found is conclusive (pan stops there and says the search was not completed);
  # "holds" needs the whole state space.
  if [ -n "$errors" ] && [ "$errors" != 0 ]; then
    result="agreement VIOLATED"
  elif [ "$errors" = 0 ] &&
    ! grep -qE 'max search depth too small|Search not completed|reached -DMEMLIM bound|out of memory' "$out"; then
    result="agreement holds"
  else
    result="INCOMPLETE search"
  fi
  printf '%-22s %-48s states %-10s depth %-4s %5.1fs  %s (expected: %s)\n' \
    "$name" "${defines[*]}" "$states" "$depth" "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')" "$result" "$expect"

  case "$expect:$result" in
    "holds:agreement holds") ;;
    "violated:agreement VIOLATED")
      # The counterexample, as the votes that make both values decidable.
      (cd "$dir" && spin -t "${defines[@]}" tendermint.pml | sed -n 's/^ *MSC: /    /p')
      ;;
    *)
      failures=$((failures + 1))
      grep -E 'error|Error|Warning|assert' "$out" | sed 's/^/    /' || true
      ;;
  esac
}

echo "check-model: spin $(spin -V | awk '{ print $3 }'), rounds 0..$((rounds - 1))"
check 3f+1-byzantine  holds    dfs -DN=4 -DQ=3 -DF=1
check 2of3-crash      holds    dfs -DN=3 -DQ=2 -DF=0 -DCRASH=1
check 2of3-byzantine  violated bfs -DN=3 -DQ=2 -DF=1
check 4-quorum2-byz   violated bfs -DN=4 -DQ=2 -DF=1
check mutant-no-lock  violated dfs -DN=4 -DQ=3 -DF=1 -DMUTANT_NO_LOCK
check mutant-trust-vr violated dfs -DN=4 -DQ=3 -DF=1 -DMUTANT_TRUST_VR

if [ "$failures" -gt 0 ]; then
  echo "check-model: $failures configuration(s) did not give the expected result" >&2
  exit 1
fi
echo "check-model: all configurations as expected"
