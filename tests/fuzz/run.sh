#!/usr/bin/env bash
# Runs one fuzz target for a bounded time on the seeds of the repo.
#   run.sh TARGET_BINARY SECONDS FUZZ_SOURCE_DIR WORK_DIR
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
exec "$binary" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 -max_len=16384 \
  -print_final_stats=1 -artifact_prefix="$artifacts/" "${dict[@]}" "$corpus" "$seeds"
