#!/usr/bin/env bash
# Installs the build into a private prefix (DESTDIR), builds tests/install/consumer against it
# with find_package(regcenter), and runs it against the installed regcenterd.
#   check_install.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
source=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/regcenter-install.XXXXXX")
daemon_pid=
cleanup() {
    [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

DESTDIR="$work/root" cmake --install "$build" >"$work/install.log" 2>&1 ||
    { cat "$work/install.log"; exit 1; }
prefix=$(cmake -L -N "$build" | sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p')
root="$work/root$prefix"
# The library directory is lib or lib/<multiarch>, as GNUInstallDirs chose for the prefix.
config=$(find "$root" -path '*/cmake/regcenter/regcenterConfig.cmake' | head -1)
[ -n "$config" ] || { echo "no regcenterConfig.cmake under $root"; exit 1; }
libdir=$(dirname "$(dirname "$(dirname "$config")")")
test -f "$libdir/pkgconfig/regcenter.pc"
test -f "$libdir/libregcenter.a"
test -x "$root/bin/regcenterd"

cmake -S "$source/tests/install/consumer" -B "$work/consumer" -G Ninja \
      -DCMAKE_PREFIX_PATH="$root" -DCMAKE_BUILD_TYPE=Release >"$work/configure.log" 2>&1 ||
    { cat "$work/configure.log"; exit 1; }
cmake --build "$work/consumer" >"$work/build.log" || { cat "$work/build.log"; exit 1; }
# The program must use the installed shared library, not anything from the build tree.
ldd "$work/consumer/consumer" | grep -q "$libdir/libregcenter.so" ||
    { ldd "$work/consumer/consumer"; echo "consumer does not link the installed libregcenter.so"; exit 1; }

"$root/bin/regcenterd" --listen=127.0.0.1:0 --admin.listen=127.0.0.1:0 \
    --auth.token=install-test-token >"$work/daemon.log" 2>&1 &
daemon_pid=$!
for _ in $(seq 300); do
    port=$(sed -n 's/.*center listening MASTERS_ADDR=127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/daemon.log")
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || { cat "$work/daemon.log"; echo "regcenterd did not start"; exit 1; }
"$work/consumer/consumer" "ws://127.0.0.1:$port" install-test-token ||
    { echo "--- regcenterd log"; cat "$work/daemon.log"; exit 1; }
