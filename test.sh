#!/usr/bin/env bash
# Builds everything and runs every test: the C tests, then the unit and integration tests
# (integration tests need root and run real containers through artifacts/bin/berth-runtime).
set -euo pipefail
cd "$(dirname "$0")"

./build.sh
dotnet format Berth.sln --verify-no-changes
native_summary="$(make -s -C native/nsexec test | tee /dev/stderr | tail -1)"

status=0
results="$(mktemp -d)"
for proj in tests/*/*.csproj; do
    name="$(basename "$proj" .csproj)"
    echo "== $name"
    if ! dotnet test "$proj" -c Release --nologo --logger "trx;LogFileName=$name.trx" \
        --results-directory "$results" -- RunConfiguration.TreatNoTestsAsError=true; then
        status=1
    fi
done

# One summary line for the whole run, from the runners' own result files.
python3 - "$results" "$native_summary" <<'PY'
import re, sys, glob, xml.etree.ElementTree as ET
passed = failed = skipped = 0
m = re.match(r"(\d+) passed, (\d+) failed", sys.argv[2])
if m:
    passed, failed = int(m.group(1)), int(m.group(2))
for f in glob.glob(sys.argv[1] + "/*.trx"):
    c = ET.parse(f).getroot().find(".//{*}Counters")
    if c is None:
        continue
    passed += int(c.get("passed", 0))
    failed += int(c.get("failed", 0)) + int(c.get("error", 0)) + int(c.get("timeout", 0))
    skipped += int(c.get("notExecuted", 0))
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
rm -rf "$results"
exit $status
