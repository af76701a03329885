#!/bin/sh
# Rebuild written-by-linuxcnc/ from samples/ with LinuxCNC's own libtooldata.
# Needs: apt-get install --no-install-recommends linuxcnc-uspace g++
# Runs no LinuxCNC process; HOME points at a private directory because
# libtooldata keeps its table in $HOME/.tool.mmap.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
g++ -o "$work/lcnc_roundtrip" "$here/lcnc_roundtrip.cc" /usr/lib/libtooldata.so.0
mkdir "$work/home"
cd "$here/samples"
find . -name '*.tbl' | sort | while read -r rel; do
    mkdir -p "$here/written-by-linuxcnc/$(dirname "$rel")"
    HOME="$work/home" "$work/lcnc_roundtrip" "$rel" "$here/written-by-linuxcnc/$rel" >/dev/null
done
