#!/usr/bin/env bash
# bench.sh [N ...]: the side-by-side scenario of docs/performance.md on OpenMLS 0.9, mls-rs
# 0.57 and this implementation, in one run on this machine, one JSON line per implementation
# and group size (default sizes 16 128 1024). The peers are the `peers` binary of this
# workspace; our side is the `scenario` binary of the main workspace's `mls-benches`.
# SCENARIO_FLAGS is passed to all three, e.g. SCENARIO_FLAGS="--warm --at middle". The first
# build takes a few minutes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(16 128 1024)
peers() { (cd "$here" && cargo run --release -q --bin peers -- "$@"); }
ours() { (cd "$here/.." && cargo run --release -q -p mls-benches --bin scenario -- "$@"); }
for n in "${sizes[@]}"; do
    # shellcheck disable=SC2086 # SCENARIO_FLAGS holds several flags
    peers --impl openmls --members "$n" --iters 10 ${SCENARIO_FLAGS:-}
    # shellcheck disable=SC2086
    peers --impl mls-rs --members "$n" --iters 10 ${SCENARIO_FLAGS:-}
    # shellcheck disable=SC2086
    ours --members "$n" --iters 10 ${SCENARIO_FLAGS:-}
done
