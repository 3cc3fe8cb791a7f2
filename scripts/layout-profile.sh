#!/usr/bin/env bash
# layout-profile.sh - regenerates src/berth-runtime/layout/{managed,native}.order: the functions the
# runtime's verbs run, in the order a container's life first runs them (run, then create, start,
# state, ps, exec, list, events, pause, resume, kill, delete, spec, features). The build places them
# first (managed code through ILC's --order, native code through lld's --symbol-ordering-file), so
# the pages one start touches lie together. Re-run it after changes that move the hot path; a stale
# profile only costs resident memory. Needs root, gcc, python3, busybox-static.
#
# Usage: sudo scripts/layout-profile.sh
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
WORK=$(mktemp -d /tmp/berth-layout.XXXXXX)
ROOT=$WORK/state
cleanup() {
    for id in $("$WORK/pub/berth-runtime" --root "$ROOT" list -q 2>/dev/null); do
        "$WORK/pub/berth-runtime" --root "$ROOT" delete -f "$id" >/dev/null 2>&1 || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

make -s -C native/nsexec
# An unstripped build: the symbol table names what the trace hits. Laid out by the current
# profile or not, the names are the same.
rm -rf src/berth-runtime/obj/Release/net10.0/linux-x64/native
dotnet publish src/berth-runtime/berth-runtime.csproj -c Release -r linux-x64 -o "$WORK/pub" \
    -p:DebugType=portable -p:BerthNoLayout=true --nologo -v quiet
rm -rf src/berth-runtime/obj/Release/net10.0/linux-x64/native   # the next build lays out afresh
BIN=$WORK/pub/berth-runtime
DBG=$BIN.dbg
gcc -O2 -Wall -o "$WORK/fntrace" native/layout/fntrace.c
nm -n "$DBG" | awk '$2 ~ /^[TtWwi]$/ {print $1}' | sort -u > "$WORK/addrs"
BASE=$(readelf -lW "$BIN" | awk '$1 == "LOAD" {print substr($3, 3); exit}')

# A busybox bundle: runc's default config, no terminal, /bin/true or sleep.
mkdir -p "$WORK/bundle/rootfs/bin"
cp /bin/busybox "$WORK/bundle/rootfs/bin/busybox"
for c in sh true sleep; do ln -s busybox "$WORK/bundle/rootfs/bin/$c"; done
(cd "$WORK/bundle" && "$BIN" spec)
config() { python3 - "$WORK/bundle/config.json" "$@" <<'PY'
import json, sys
path, args = sys.argv[1], sys.argv[2:]
c = json.load(open(path))
c["process"]["terminal"] = False
c["process"]["args"] = args
json.dump(c, open(path, "w"))
PY
}

n=0
trace() {
    n=$((n + 1))
    "$WORK/fntrace" "$WORK/addrs" "$WORK/hits-$(printf %02d $n)" "$BASE" "$BIN" --root "$ROOT" "$@" \
        </dev/null >/dev/null 2>>"$WORK/errors" || { echo "layout-profile: $1 failed: $(tail -3 "$WORK/errors")" >&2; exit 1; }
}
config /bin/true
trace run --bundle "$WORK/bundle" p1
config /bin/sleep 30
# create returns while its init waits for start; its tracer follows the init until delete.
n=$((n + 1))
"$WORK/fntrace" "$WORK/addrs" "$WORK/hits-$(printf %02d $n)" "$BASE" "$BIN" --root "$ROOT" create --bundle "$WORK/bundle" p2 \
    </dev/null >/dev/null 2>>"$WORK/errors" &
for _ in $(seq 100); do [ -f "$ROOT/p2/state.json" ] && "$BIN" --root "$ROOT" state p2 2>/dev/null | grep -q '"created"' && break; sleep 0.1; done
trace start p2
trace state p2
trace ps p2
trace exec p2 /bin/true
trace list
trace events --stats p2
trace pause p2
trace resume p2
trace kill p2 KILL
sleep 0.3
trace delete p2
wait
trace spec --bundle "$WORK"
trace features

python3 - "$DBG" "$REPO/src/berth-runtime/layout" "$WORK"/hits-* <<'PY'
import collections, subprocess, sys
dbg, out, files = sys.argv[1], sys.argv[2], sys.argv[3:]
names = collections.defaultdict(list)
for line in subprocess.check_output(["nm", "-n", dbg], text=True).splitlines():
    parts = line.split(" ", 2)
    if len(parts) == 3 and parts[0] and parts[1] in "TtWwi":
        names[int(parts[0], 16)].append(parts[2])
section = next(l.split() for l in subprocess.check_output(["readelf", "-SW", dbg], text=True).splitlines() if "__managedcode" in l)
i = section.index("__managedcode")
lo = int(section[i + 2], 16); hi = lo + int(section[i + 4], 16)
seen, managed, native = set(), [], []
for f in files:
    for line in open(f):
        a = int(line.split()[1], 16)
        if a in seen:
            continue
        seen.add(a)
        target = managed if lo <= a < hi else native
        target += [n for n in names[a] if not n.startswith(("__start_", "__stop_"))]
open(f"{out}/managed.order", "w").write("\n".join(managed) + "\n")
open(f"{out}/native.order", "w").write("\n".join(native) + "\n")
print(f"layout-profile: {len(managed)} managed and {len(native)} native symbols")
PY
