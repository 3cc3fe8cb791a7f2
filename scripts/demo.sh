#!/usr/bin/env bash
# Berth's main job, end to end on this machine: build, make a busybox root filesystem from
# Debian's busybox-static (no internet needed), generate a bundle with `berth-runtime spec`, and
# run a container that prints what it sees.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v busybox >/dev/null || need+=(busybox-static)
command -v make >/dev/null || need+=(build-essential)
command -v python3 >/dev/null || need+=(python3)
if [ ${#need[@]} -gt 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

./build.sh
runtime="$PWD/artifacts/bin/berth-runtime"
bundle="$(mktemp -d /tmp/berth-demo.XXXXXX)"
trap 'rm -rf "$bundle"' EXIT

mkdir -p "$bundle/rootfs/bin" "$bundle/rootfs/etc" "$bundle/rootfs/proc" "$bundle/rootfs/sys" "$bundle/rootfs/dev" "$bundle/rootfs/tmp"
cp "$(command -v busybox)" "$bundle/rootfs/bin/busybox"
for applet in $("$bundle/rootfs/bin/busybox" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$bundle/rootfs/bin/$applet"
done
echo 'root:x:0:0:root:/root:/bin/sh' > "$bundle/rootfs/etc/passwd"
echo 'root:x:0:' > "$bundle/rootfs/etc/group"

(cd "$bundle" && "$runtime" spec)
python3 - "$bundle/config.json" <<'PY'
import json, sys
path = sys.argv[1]
c = json.load(open(path))
c["process"]["terminal"] = False
c["process"]["args"] = ["sh", "-c",
    'echo "hostname: $(hostname)"; echo "my pid: $$"; id; echo "mounts:"; cat /proc/self/mountinfo']
json.dump(c, open(path, "w"), indent=2)
PY

echo "== berth-runtime run (bundle $bundle)"
"$runtime" --root "$bundle/state" run --bundle "$bundle" "demo-$$"
