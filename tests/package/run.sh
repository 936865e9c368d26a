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

# The library boundary: the installed libraries export the public API only (no engine,
# store or wire internals, no pimpl), and livy::client stands alone, without liblivy.
internal='livy::(SessionCore|Store|DriverChannel|DriverConnection|wire|[A-Za-z]+::Impl)::'
for lib in liblivy.so liblivy_http.so liblivy_client.so; do
  if nm -DC --defined-only "$work/prefix/lib/$lib" | grep -E "$internal"; then
    echo "package test: $lib exports internal symbols (above)" >&2
    exit 1
  fi
done
if readelf -d "$work/prefix/lib/liblivy_client.so" | grep -q 'NEEDED.*liblivy\.so'; then
  echo "package test: liblivy_client.so needs liblivy.so" >&2
  exit 1
fi

cmake -S "$src/examples" -B "$work/examples" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/examples" >/dev/null

# A host that finds the package twice (two of its subprojects do) gets the targets once.
mkdir -p "$work/twice/sub"
printf 'cmake_minimum_required(VERSION 3.25)\nproject(twice CXX)\nfind_package(livy REQUIRED)\nadd_subdirectory(sub)\n' \
  > "$work/twice/CMakeLists.txt"
printf 'find_package(livy REQUIRED)\n' > "$work/twice/sub/CMakeLists.txt"
cmake -S "$work/twice" -B "$work/twice/build" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null

# A host that adds livyd's tree as a subdirectory builds the libraries only: no tests (which
# would need this project's venv), no examples.
mkdir -p "$work/host"
printf 'cmake_minimum_required(VERSION 3.25)\nproject(host CXX)\nadd_subdirectory(%s livyd)\n' "$src" \
  > "$work/host/CMakeLists.txt"
cmake -S "$work/host" -B "$work/host/build" -G Ninja -DLIVY_PYTHON=/nonexistent/python >/dev/null
test ! -e "$work/host/build/livyd/tests"
test ! -e "$work/host/build/livyd/examples"

cd "$work"
out=$("$work/examples/submit_batch" "$src/examples/batches/pi.py" 2000)
echo "$out"
grep -q "Pi is roughly" <<<"$out"
grep -Eq "batch 0: success \(appId local-[0-9]+\)" <<<"$out"
# A session from the installed package: it must find its installed driver, not this source tree's.
test -f "$work/prefix/share/livy/drivers/python/livy_driver.py"
test -f "$work/prefix/share/livy/drivers/python/livy_r.py"
test -f "$work/prefix/share/livy/drivers/python/livy_r.R"
# Scala statements: the driver's module and the REPL's sources for both Scala versions.
test -f "$work/prefix/share/livy/drivers/python/livy_scala.py"
for f in ScalaRepl.scala scala-2.12/ReplCompat.scala scala-2.13/ReplCompat.scala; do
  test -f "$work/prefix/share/livy/drivers/scala/$f"
done
# The same files as the archive a cluster-mode driver is shipped with.
python3 - "$work/prefix/share/livy/livy-drivers.zip" <<'PY'
import sys, zipfile
names = set(zipfile.ZipFile(sys.argv[1]).namelist())
need = {"python/livy_driver.py", "python/livy_scala.py", "python/livy_r.py", "python/livy_r.R",
        "scala/ScalaRepl.scala", "scala/scala-2.12/ReplCompat.scala", "scala/scala-2.13/ReplCompat.scala"}
assert need <= names, sorted(need - names)
PY
out=$("$work/examples/run_pyspark" "x = 21" "x * 2")
echo "$out"
grep -qx "42" <<<"$out"
grep -q "starting the session driver $work/prefix/share/livy/drivers/python/livy_driver.py" \
  "$work/var/run_pyspark/sessions/0/driver.log"
echo "package test: the installed package builds the examples and runs a real batch and session"
