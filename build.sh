#!/usr/bin/env bash
# Builds every executable into artifacts/bin/: berth-runtime as a NativeAOT binary with the C
# part of native/ linked in, and berth, the daemonless CLI over the image store.
set -euo pipefail
cd "$(dirname "$0")"
CONFIG="${CONFIG:-Release}"

make -s -C native/nsexec
mkdir -p artifacts/bin
dotnet publish src/berth-runtime/berth-runtime.csproj -c "$CONFIG" -r linux-x64 \
    -o artifacts/publish/berth-runtime -p:DebugType=none --nologo -v quiet "$@"
install -m 0755 artifacts/publish/berth-runtime/berth-runtime artifacts/bin/berth-runtime
dotnet publish src/berth/berth.csproj -c "$CONFIG" -r linux-x64 \
    -o artifacts/publish/berth -p:DebugType=none --nologo -v quiet "$@"
install -m 0755 artifacts/publish/berth/berth artifacts/bin/berth
# SQLite (the metadata database) comes as a native library beside the executable.
install -m 0755 artifacts/publish/berth/libe_sqlite3.so artifacts/bin/libe_sqlite3.so
echo "built artifacts/bin/berth-runtime artifacts/bin/berth"
