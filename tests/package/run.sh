#!/usr/bin/env bash
# Installs livy from BUILD_DIR into a temporary prefix, builds examples/ against
# the installed package alone, and runs the batch example on real Spark.
#   run.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1 build=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/prefix" >/dev/null
test -f "$work/prefix/include/livy/livy.h"
test -f "$work/prefix/lib/cmake/livy/livyConfig.cmake"

cmake -S "$src/examples" -B "$work/examples" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/examples" >/dev/null

cd "$work"
out=$("$work/examples/submit_batch" "$src/examples/batches/pi.py" 2000)
echo "$out"
grep -q "Pi is roughly" <<<"$out"
grep -Eq "batch 0: success \(appId local-[0-9]+\)" <<<"$out"
echo "package test: installed package builds the examples and runs a real batch"
