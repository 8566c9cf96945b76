#!/usr/bin/env bash
# Builds the Debian packages with CPack into a private directory and checks what they hold:
# the daemon package has the binaries, units, sysusers/tmpfiles snippets and the config as a
# conffile, and its scripts never enable or start the service; the -dev package has the SDK.
#   check_deb.sh BUILD_DIR
set -euo pipefail
build=$1
work=$(mktemp -d "${TMPDIR:-/tmp}/regcenter-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT

(cd "$build" && cpack -B "$work" >"$work/cpack.log") || { cat "$work/cpack.log"; exit 1; }
daemon=$(ls "$work"/regcenterd_*.deb)
sdk=$(ls "$work"/libregcenter-dev_*.deb)

contents=$(dpkg-deb -c "$daemon")
for path in ./usr/bin/regcenterd ./usr/bin/regcenterctl ./usr/lib/systemd/system/regcenterd.service \
            ./usr/lib/systemd/system/regcenterd.socket ./usr/lib/sysusers.d/regcenter.conf \
            ./usr/lib/tmpfiles.d/regcenter.conf ./etc/regcenter/regcenterd.yaml; do
    grep -q " $path\$" <<<"$contents" || { echo "regcenterd package lacks $path"; exit 1; }
done
mkdir "$work/control"
dpkg-deb -e "$daemon" "$work/control"
grep -qx /etc/regcenter/regcenterd.yaml "$work/control/conffiles"
if grep -Eq 'systemctl (enable|start|restart)|deb-systemd-invoke' "$work/control/postinst"; then
    echo "postinst must not enable or start the service"; exit 1
fi
dpkg-deb -f "$daemon" Depends | grep -q libsystemd0

sdk_contents=$(dpkg-deb -c "$sdk")
for pattern in 'libregcenter\.so' 'libregcenter\.a' 'cmake/regcenter/regcenterConfig\.cmake' \
               'pkgconfig/regcenter\.pc' 'include/regcenter/master\.hpp'; do
    grep -Eq "$pattern" <<<"$sdk_contents" || { echo "libregcenter-dev lacks $pattern"; exit 1; }
done
echo "packages OK: $(basename "$daemon") $(basename "$sdk")"
