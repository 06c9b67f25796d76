#!/bin/sh
# Installs booth-rs under a prefix: boothd with its booth and geostore names (one
# binary, personality by argv[0]), libbooth.so and libbooth.a, include/booth.h and the
# pkg-config file libbooth.pc.
#
#   src/dist/install-libbooth.sh [--prefix DIR] [--destdir DIR] [--profile debug|release]
#                      [--from DIR]
#
# Builds nothing: run `cargo build [--release]` first. Defaults: --prefix /usr/local,
# --profile release; --from names the directory holding boothd, libbooth.so and
# libbooth.a (default target/PROFILE). The tests install their own build into a
# temporary prefix.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
prefix=/usr/local
destdir=
profile=release
from=
while [ $# -gt 0 ]; do
    case $1 in
    --prefix) prefix=$2; shift 2 ;;
    --destdir) destdir=$2; shift 2 ;;
    --profile) profile=$2; shift 2 ;;
    --from) from=$2; shift 2 ;;
    *) echo "usage: $0 [--prefix DIR] [--destdir DIR] [--profile debug|release] [--from DIR]" >&2; exit 2 ;;
    esac
done
target=${from:-${CARGO_TARGET_DIR:-$root/target}/$profile}
for f in boothd libbooth.so libbooth.a; do
    [ -f "$target/$f" ] || { echo "$target/$f missing: run cargo build first" >&2; exit 1; }
done
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -n 1)
libdir=$prefix/lib
d=$destdir$prefix
install -d "$d/sbin" "$d/lib/pkgconfig" "$d/include"
install -m 0755 "$target/boothd" "$d/sbin/boothd"
ln -sf boothd "$d/sbin/booth"
ln -sf boothd "$d/sbin/geostore"
# SONAME libbooth.so.0 (build.rs); the real file carries the full version.
install -m 0755 "$target/libbooth.so" "$d/lib/libbooth.so.$version"
ln -sf "libbooth.so.$version" "$d/lib/libbooth.so.0"
ln -sf libbooth.so.0 "$d/lib/libbooth.so"
install -m 0644 "$target/libbooth.a" "$d/lib/libbooth.a"
install -m 0644 "$root/include/booth.h" "$d/include/booth.h"
sed -e "s|@PREFIX@|$prefix|" -e "s|@LIBDIR@|$libdir|" -e "s|@VERSION@|$version|" \
    "$root/src/dist/libbooth.pc.in" >"$d/lib/pkgconfig/libbooth.pc"
echo "installed booth-rs $version ($profile) under $d"
