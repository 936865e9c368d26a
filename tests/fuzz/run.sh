#!/usr/bin/env bash
# Runs one fuzz target for a bounded time on the seeds of the repo.
#   run.sh TARGET_BINARY SECONDS FUZZ_SOURCE_DIR WORK_DIR
# LIVY_FUZZ_SEED picks libFuzzer's seed (default 1, so a CI run on a fresh work
# corpus walks the same inputs each time and fails only when the code changed;
# 0 lets libFuzzer pick a new seed, for exploring).
# New inputs go to WORK_DIR/corpus/<target>; a crash, leak or timeout is saved as
# WORK_DIR/artifacts/<target>/<kind>-<sha1> and fails the run.
set -euo pipefail
binary=$1 seconds=$2 source=$3 work=$4
name=$(basename "$binary")
seeds=$source/corpus/$name
corpus=$work/corpus/$name
artifacts=$work/artifacts/$name
mkdir -p "$corpus" "$artifacts"
dict=()
[ -f "$source/$name.dict" ] && dict=(-dict="$source/$name.dict")
exec "$binary" -seed="${LIVY_FUZZ_SEED:-1}" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 -max_len=16384 \
  -print_final_stats=1 -artifact_prefix="$artifacts/" "${dict[@]}" "$corpus" "$seeds"
