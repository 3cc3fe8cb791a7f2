#!/usr/bin/env bash
# Berth's main job, end to end on this machine, without internet: build; make a busybox root
# filesystem tarball from Debian's busybox-static; import it into an image store with `berth image
# import`; push it to a registry Berth serves on 127.0.0.1 (`berth registry serve`) and pull it into
# a second, empty store (`berth push`, `berth pull`); turn the pulled image into an OCI bundle on an
# overlay snapshot with `berth image bundle`; and run it with `berth-runtime`, printing what the
# container sees.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v busybox >/dev/null || need+=(busybox-static)
command -v make >/dev/null || need+=(build-essential)
# berth-runtime links libseccomp in statically, and is laid out by lld where it is installed.
[ -f /usr/lib/x86_64-linux-gnu/libseccomp.a ] || need+=(libseccomp-dev)
command -v ld.lld >/dev/null || need+=(lld)
if [ ${#need[@]} -gt 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

./build.sh
berth="$PWD/artifacts/bin/berth"
runtime="$PWD/artifacts/bin/berth-runtime"
work="$(mktemp -d /tmp/berth-demo.XXXXXX)"
store="$work/store"
pulled="$work/pulled"
registry_pid=
cleanup() {
    "$berth" --root "$pulled" image unbundle "$work/bundle" 2>/dev/null || true
    if [ -n "$registry_pid" ]; then kill "$registry_pid" 2>/dev/null || true; wait "$registry_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

# A root filesystem: the static busybox, its applets, and the account files.
rootfs="$work/rootfs"
mkdir -p "$rootfs/bin" "$rootfs/etc" "$rootfs/proc" "$rootfs/sys" "$rootfs/dev" "$rootfs/tmp"
cp "$(command -v busybox)" "$rootfs/bin/busybox"
for applet in $("$rootfs/bin/busybox" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$rootfs/bin/$applet"
done
echo 'root:x:0:0:root:/root:/bin/sh' > "$rootfs/etc/passwd"
echo 'root:x:0:' > "$rootfs/etc/group"
tar -C "$rootfs" -czf "$work/rootfs.tar.gz" .

echo "== berth image import"
"$berth" --root "$store" image import \
    --change 'CMD ["sh", "-c", "echo \"hostname: $(hostname)\"; echo \"my pid: $$\"; id; echo mounts:; cat /proc/self/mountinfo"]' \
    "$work/rootfs.tar.gz" busybox:latest
"$berth" --root "$store" image ls

echo "== berth registry serve, push, pull"
"$berth" registry serve --root "$work/registry" --addr 127.0.0.1:0 > "$work/registry.log" 2>&1 &
registry_pid=$!
for _ in $(seq 100); do
    grep -q '^listening on ' "$work/registry.log" && break
    kill -0 "$registry_pid" 2>/dev/null || { cat "$work/registry.log"; exit 1; }
    sleep 0.1
done
address="$(sed -n 's|^listening on http://\([^/ ]*\).*|\1|p' "$work/registry.log" | head -1)"
[ -n "$address" ] || { echo "registry did not start:"; cat "$work/registry.log"; exit 1; }
"$berth" --root "$store" image tag busybox "$address/demo/busybox:latest"
"$berth" --root "$store" push "$address/demo/busybox:latest"
"$berth" --root "$pulled" pull "$address/demo/busybox:latest"

echo "== berth image bundle"
"$berth" --root "$pulled" image bundle --hostname demo "$address/demo/busybox" "$work/bundle"

echo "== berth-runtime run"
"$runtime" --root "$work/state" run --bundle "$work/bundle" "demo-$$"
