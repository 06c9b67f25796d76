#!/bin/sh
# install.sh: installs booth-rs under PREFIX as the Debian booth packages lay it out
# (surface.md §6.1).
#
#   src/dist/install.sh PREFIX [DESTDIR]
#
# e.g. `cargo build --release && sudo src/dist/install.sh /usr`, or for packaging
# `src/dist/install.sh /usr "$pkgdir"`. Files go to DESTDIR/PREFIX/...; paths written
# into the installed files (unit ExecStart, booth.pc) name PREFIX without DESTDIR.
#
# Environment (all optional):
#   BOOTHD          the boothd binary (default: target/release/boothd, else target/debug)
#   SYSCONFDIR      default /etc
#   SYSTEMDUNITDIR  default PREFIX/lib/systemd/system
#   OCFDIR          default PREFIX/lib/ocf
#   VERSION         shown in the manual pages (default: Cargo.toml's version)
#
# libbooth (the C library: libbooth.so/.a next to the binary, include/booth.h and a
# libbooth.pc) is installed when it has been built.

set -eu

usage() {
	echo "usage: $0 PREFIX [DESTDIR]" >&2
	exit 1
}
[ $# -ge 1 ] && [ $# -le 2 ] || usage
prefix=${1%/}
destdir=${2:-}
destdir=${destdir%/}
case $prefix in
/*) ;;
*) echo "$0: PREFIX must be an absolute path" >&2; exit 1 ;;
esac

dist=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$dist/../.." && pwd)

boothd=${BOOTHD:-}
if [ -z "$boothd" ]; then
	for p in release debug; do
		if [ -x "$repo/target/$p/boothd" ]; then
			boothd=$repo/target/$p/boothd
			break
		fi
	done
fi
if [ -z "$boothd" ] || [ ! -x "$boothd" ]; then
	echo "$0: no boothd binary found; run \`cargo build --release\` first or set BOOTHD" >&2
	exit 1
fi
bindir_built=$(dirname "$boothd")

sysconfdir=${SYSCONFDIR:-/etc}
unitdir=${SYSTEMDUNITDIR:-$prefix/lib/systemd/system}
ocfdir=${OCFDIR:-$prefix/lib/ocf}
version=${VERSION:-$(sed -n 's/^version = "\(.*\)"/\1/p' "$repo/Cargo.toml" | head -n 1)}
sbindir=$prefix/sbin

# inst MODE SRC DEST: copies SRC to DESTDIR/DEST with MODE, creating directories.
inst() {
	mkdir -p "$destdir$(dirname "$3")"
	cp "$2" "$destdir$3.tmp.$$"
	chmod "$1" "$destdir$3.tmp.$$"
	mv -f "$destdir$3.tmp.$$" "$destdir$3"
}

libdir=$prefix/lib

# subst MODE SRC DEST: like inst, replacing @SBINDIR@, @PREFIX@, @LIBDIR@,
# @INCLUDEDIR@, @CONFDIR@ and @VERSION@.
subst() {
	mkdir -p "$destdir$(dirname "$3")"
	sed -e "s|@SBINDIR@|$sbindir|g" -e "s|@PREFIX@|$prefix|g" \
		-e "s|@LIBDIR@|$libdir|g" -e "s|@INCLUDEDIR@|$prefix/include|g" \
		-e "s|@CONFDIR@|$sysconfdir|g" -e "s|@VERSION@|$version|g" \
		"$2" >"$destdir$3.tmp.$$"
	chmod "$1" "$destdir$3.tmp.$$"
	mv -f "$destdir$3.tmp.$$" "$destdir$3"
}

# The program and its personalities.
inst 0755 "$boothd" "$sbindir/boothd"
for name in booth geostore; do
	ln -sfn boothd "$destdir$sbindir/$name"
done
inst 0755 "$dist/booth-keygen" "$sbindir/booth-keygen"

# Helpers.
inst 0755 "$dist/service-runnable" "$prefix/share/booth/service-runnable"
inst 0644 "$dist/geo_attr.sh" "$ocfdir/lib/booth/geo_attr.sh"

# systemd.
for unit in booth@.service booth-arbitrator@.service booth-arbitrator.service booth.service; do
	subst 0644 "$dist/systemd/$unit" "$unitdir/$unit"
done

# firewalld service "booth" (tcp and udp 9929).
inst 0644 "$dist/booth-firewalld.xml" "$prefix/lib/firewalld/services/booth.xml"

# Configuration directories (never their content).
mkdir -p "$destdir$sysconfdir/booth" "$destdir$sysconfdir/booth/hooks.d"
chmod 0755 "$destdir$sysconfdir/booth" "$destdir$sysconfdir/booth/hooks.d"

# Manual pages.
for page in boothd.8 booth.8 geostore.8 booth-keygen.8; do
	subst 0644 "$dist/man/$page" "$prefix/share/man/man8/$page"
done
subst 0644 "$dist/man/booth.conf.5" "$prefix/share/man/man5/booth.conf.5"

# Build information for downstream projects (Debian's booth.pc).
subst 0644 "$dist/booth.pc.in" "$prefix/share/pkgconfig/booth.pc"

# libbooth, when the ffi part has been built: the shared library as
# libbooth.so.VERSION with the links libbooth.so.0 (its SONAME) and libbooth.so.
have_lib=
if [ -f "$bindir_built/libbooth.so" ]; then
	inst 0755 "$bindir_built/libbooth.so" "$libdir/libbooth.so.$version"
	ln -sfn "libbooth.so.$version" "$destdir$libdir/libbooth.so.0"
	ln -sfn libbooth.so.0 "$destdir$libdir/libbooth.so"
	have_lib=1
fi
if [ -f "$bindir_built/libbooth.a" ]; then
	inst 0644 "$bindir_built/libbooth.a" "$libdir/libbooth.a"
	have_lib=1
fi
if [ -f "$repo/include/booth.h" ]; then
	inst 0644 "$repo/include/booth.h" "$prefix/include/booth.h"
fi
if [ -n "$have_lib" ]; then
	pc_in=
	for p in "$repo/libbooth.pc.in" "$repo/include/libbooth.pc.in" "$repo/src/ffi/libbooth.pc.in" \
		"$dist/libbooth.pc.in"; do
		if [ -f "$p" ]; then
			pc_in=$p
			break
		fi
	done
	if [ -n "$pc_in" ]; then
		subst 0644 "$pc_in" "$libdir/pkgconfig/libbooth.pc"
	else
		mkdir -p "$destdir$libdir/pkgconfig"
		cat >"$destdir$libdir/pkgconfig/libbooth.pc" <<PC
prefix=$prefix
libdir=$libdir
includedir=$prefix/include

Name: libbooth
Version: $version
Description: booth-rs client library (booth list/grant/revoke, geostore) for C
Libs: -L\${libdir} -lbooth
Cflags: -I\${includedir}
PC
		chmod 0644 "$destdir$libdir/pkgconfig/libbooth.pc"
	fi
fi

echo "booth-rs $version installed under $destdir$prefix"
