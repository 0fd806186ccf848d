#!/usr/bin/env bash
# Peak memory (maximum RSS from GNU time -v) of `oidc-triage diagnose` on the inputs
# issue 13 names, each of which must stay under 64 MiB:
#   - a 60 MiB {"Records":[…]} CloudTrail file (under the old whole-read threshold);
#   - a 1 GiB CloudTrail export on standard input (`gen-cloudtrail - | diagnose -`);
#   - the same 60 MiB file through a process substitution, `<(cat file)`;
#   - 300 MB GCP audit log (newline-delimited) and Entra sign-in (Graph `value` list)
#     exports, made by repeating a fixture record with fresh ids.
# Also prints user+sys CPU seconds (fair on a busy machine) and the load average.
#
# Usage: benches/memory.sh [GCP_ENTRA_MB]   (default 300)
# Env:   NO_BUILD=1 uses the release binaries as they are; KEEP=1 keeps the temporary directory; STDIN_MIB (default 1024).

set -euo pipefail

MB="${1:-300}"
STDIN_MIB="${STDIN_MIB:-1024}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/oidc-memory.XXXXXX")"
if [[ "${KEEP:-0}" != 1 ]]; then
    trap 'rm -rf "$TMP"' EXIT
else
    echo "keeping $TMP"
fi
if ! /usr/bin/time -v true >/dev/null 2>&1; then
    echo "GNU time (/usr/bin/time -v) is needed: apt-get install time" >&2
    exit 2
fi

cd "$ROOT"
if [[ "${NO_BUILD:-0}" != 1 ]]; then
    echo "building (release)…" >&2
    cargo build --release --quiet --bin oidc-triage --example gen-cloudtrail
fi
TRIAGE="$ROOT/target/release/oidc-triage"
GEN="$ROOT/target/release/examples/gen-cloudtrail"

"$GEN" --shape records --mib 60 "$TMP/records-60.json" 2>/dev/null

python3 - "$ROOT" "$TMP" "$MB" <<'PY'
import json, sys
root, tmp, mb = sys.argv[1], sys.argv[2], int(sys.argv[3])
target = mb * 1_000_000
with open(f"{root}/tests/fixtures/gcp-audit/logs-explorer-unauthenticated.ndjson") as f:
    gcp = json.loads(f.readline())
with open(f"{root}/tests/fixtures/azure-signin/graph-700213-then-success.json") as f:
    signin = json.load(f)["value"][0]
with open(f"{tmp}/gcp.ndjson", "w") as out:
    n = written = 0
    while written < target:
        gcp["insertId"] = f"bench{n:012d}"
        line = json.dumps(gcp, separators=(",", ":")) + "\n"
        out.write(line)
        written += len(line)
        n += 1
with open(f"{tmp}/entra.json", "w") as out:
    out.write('{"@odata.context":"https://graph.microsoft.com/beta/$metadata#auditLogs/signIns","value":[')
    n = written = 0
    while written < target:
        signin["id"] = f"00000000-0000-4000-8000-{n:012d}"
        rec = ("," if n else "") + json.dumps(signin, separators=(",", ":"))
        out.write(rec)
        written += len(rec)
        n += 1
    out.write("]}")
PY

# run LABEL CMD… → "label  peak-RSS  cpu  wall"
run() {
    local label="$1"
    shift
    local log="$TMP/time.log"
    /usr/bin/time -v "$@" >/dev/null 2>"$log" || true
    local rss cpu wall
    rss="$(awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2 / 1024}' "$log")"
    cpu="$(awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {printf "%.2f", u+s}' "$log")"
    wall="$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log")"
    printf '%-34s %9s MiB %8s s cpu %10s wall\n' "$label" "$rss" "$cpu" "$wall"
}

echo
printf '%-34s %13s %14s %15s\n' input "peak RSS" "user+sys" "wall"
run "records 60 MiB (file)" "$TRIAGE" diagnose --format json "$TMP/records-60.json"
run "records 60 MiB (<(cat file))" bash -c '"$0" diagnose --format json <(cat "$1")' "$TRIAGE" "$TMP/records-60.json"
run "records ${STDIN_MIB} MiB (stdin)" bash -c '"$1" --shape records --mib "$2" - 2>/dev/null | "$0" diagnose --format json -' "$TRIAGE" "$GEN" "$STDIN_MIB"
run "lines ${STDIN_MIB} MiB (stdin)" bash -c '"$1" --shape lines --mib "$2" - 2>/dev/null | "$0" diagnose --format json -' "$TRIAGE" "$GEN" "$STDIN_MIB"
run "gcp audit ${MB} MB (file)" "$TRIAGE" diagnose --format json "$TMP/gcp.ndjson"
run "entra sign-ins ${MB} MB (file)" "$TRIAGE" diagnose --format json "$TMP/entra.json"
echo
echo "(the stdin rows include the generator's own time and memory in their CPU figure, not in RSS: GNU time reports the largest process)"
echo "machine: $(nproc) core(s), load $(cut -d' ' -f1-3 /proc/loadavg)"
