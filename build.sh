#!/usr/bin/env bash
# Builds every executable into artifacts/bin/: berth-runtime as a NativeAOT binary with the C
# part of native/ linked in.
set -euo pipefail
cd "$(dirname "$0")"
CONFIG="${CONFIG:-Release}"

make -s -C native/nsexec
mkdir -p artifacts/bin
dotnet publish src/berth-runtime/berth-runtime.csproj -c "$CONFIG" -r linux-x64 \
    -o artifacts/publish/berth-runtime -p:DebugType=none --nologo -v quiet "$@"
install -m 0755 artifacts/publish/berth-runtime/berth-runtime artifacts/bin/berth-runtime
echo "built artifacts/bin/berth-runtime"
