#!/usr/bin/env bash
# Compare CloudTrail ingest with jq (and jaq, when installed) on the same files.
#
# Generates a ~100 MiB export in each shape (JSON lines, and {"Records":[…]} on one
# line as S3 delivers it) with examples/gen-cloudtrail.rs, then times:
#   jq  -c 'select(.eventName=="AssumeRoleWithWebIdentity" and .errorCode!=null)'   (lines)
#   jq  -c '.Records[] | select(…)'                                                  (records)
#   jaq with the same filters
#   oidc-triage diagnose --format json FILE   (release build: reads the whole export,
#                                              finds the web identity exchanges, builds
#                                              the per-role summary, diagnoses)
# and prints wall-clock MB/s, CPU MB/s (user+sys: fair on a busy machine), the ratio
# to jq, and peak RSS (from /usr/bin/time -v when available). CPU MB/s is per core
# of CPU time; on a large file both cores work, so wall MB/s can exceed it.
#
# Then, in the same run:
#   - the Records export gzip-compressed: `gzip -dc FILE >/dev/null` against
#     `diagnose FILE` (the target: at least 90% of gzip's speed);
#   - one `decode` process against one `jwt decode` (jwt-cli, installed with
#     `cargo install jwt-cli` when missing) on the sample token, each run RUNS_DECODE
#     times (hyperfine when installed, else a loop; mean per process).
#
# Usage: benches/compare-jq.sh [MIB…] [RUNS]   (defaults: 100 1024, best of 3; a last
#        argument under 10 is the number of runs)
# Env:   NO_BUILD=1 uses the release binaries as they are; KEEP=1 keeps the temporary directory; JQ_MAX_MIB (default 100): jq and jaq
#        run only on sizes up to it (jq takes minutes a GiB); RUNS_DECODE (default 300).

set -euo pipefail

SIZES=()
RUNS=3
for a in "$@"; do
    if (( a < 10 )); then RUNS="$a"; else SIZES+=("$a"); fi
done
(( ${#SIZES[@]} )) || SIZES=(100 1024)
JQ_MAX_MIB="${JQ_MAX_MIB:-100}"
RUNS_DECODE="${RUNS_DECODE:-300}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/ct-compare.XXXXXX")"
if [[ "${KEEP:-0}" != 1 ]]; then
    trap 'rm -rf "$TMP"' EXIT
else
    echo "keeping $TMP"
fi

cd "$ROOT"
if [[ "${NO_BUILD:-0}" != 1 ]]; then
    echo "building (release)…" >&2
    cargo build --release --quiet --bin oidc-triage --example gen-cloudtrail
fi
TARGET_DIR="$(cargo metadata --format-version 1 --no-deps 2>/dev/null | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
TARGET_DIR="${TARGET_DIR:-$ROOT/target}"
TRIAGE="$TARGET_DIR/release/oidc-triage"
GEN="$TARGET_DIR/release/examples/gen-cloudtrail"


GNU_TIME=""
if [[ -x /usr/bin/time ]] && /usr/bin/time -v true >/dev/null 2>&1; then
    GNU_TIME=/usr/bin/time
fi

# measure LABEL FILE CMD… → prints "wall_s cpu_s rss_kib" (best wall of $RUNS runs)
measure() {
    local best_wall="" best_cpu="" best_rss=""
    for _ in $(seq "$RUNS"); do
        local wall cpu rss
        if [[ -n "$GNU_TIME" ]]; then
            local log="$TMP/time.log"
            "$GNU_TIME" -v "$@" >/dev/null 2>"$log" || true
            wall="$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$log")"
            cpu="$(awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {print u+s}' "$log")"
            rss="$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")"
        else
            local start end
            start="$(date +%s.%N)"
            "$@" >/dev/null 2>&1 || true
            end="$(date +%s.%N)"
            wall="$(echo "$end - $start" | bc)"
            cpu="$wall"
            rss="?"
        fi
        if [[ -z "$best_wall" ]] || (( $(echo "$wall < $best_wall" | bc) )); then
            best_wall="$wall" best_cpu="$cpu" best_rss="$rss"
        fi
    done
    echo "$best_wall $best_cpu $best_rss"
}

FILTER='select(.eventName=="AssumeRoleWithWebIdentity" and .errorCode!=null)'
row() { # TOOL SHAPE FILE BASELINE_WALL CMD…
    local tool="$1" shape="$2" file="$3" base="$4"
    shift 4
    local size wall cpu rss
    size="$(stat -c %s "$file")"
    read -r wall cpu rss < <(measure "$@")
    local mbs cmbs ratio
    mbs="$(awk -v s="$size" -v t="$wall" 'BEGIN { printf "%.0f", (t > 0 ? s / 1e6 / t : 0) }')"
    cmbs="$(awk -v s="$size" -v t="$cpu" 'BEGIN { printf "%.0f", (t > 0 ? s / 1e6 / t : 0) }')"
    if [[ -n "$base" ]]; then
        ratio="$(awk -v b="$base" -v t="$wall" 'BEGIN { printf "%.1fx", (t > 0 ? b / t : 0) }')"
    else
        ratio="1.0x"
    fi
    local rss_mib="?"
    [[ "$rss" != "?" ]] && rss_mib="$(awk -v r="$rss" 'BEGIN { printf "%.1f", r / 1024 }')"
    printf '%-12s %-8s %8.2f s %8s MB/s %8s MB/s(cpu) %8s vs jq %9s MiB\n' "$tool" "$shape" "$wall" "$mbs" "$cmbs" "$ratio" "$rss_mib"
    LAST_WALL="$wall"
}

echo
printf '%-12s %-8s %10s %13s %18s %14s %13s\n' tool shape wall throughput "cpu throughput" speed "peak RSS"
for MIB in "${SIZES[@]}"; do
    "$GEN" --shape lines --mib "$MIB" "$TMP/export.jsonl" 2>/dev/null
    "$GEN" --shape records --mib "$MIB" "$TMP/export.json" 2>/dev/null
    echo "-- ${MIB} MiB"
    for shape in lines records; do
        if [[ "$shape" == lines ]]; then file="$TMP/export.jsonl"; jqf="$FILTER"; else file="$TMP/export.json"; jqf=".Records[] | $FILTER"; fi
        jq_wall=""
        if (( MIB <= JQ_MAX_MIB )); then
            row jq "$shape" "$file" "" jq -c "$jqf" "$file"
            jq_wall="$LAST_WALL"
            if command -v jaq >/dev/null 2>&1; then
                row jaq "$shape" "$file" "$jq_wall" jaq -c "$jqf" "$file"
            fi
        fi
        row oidc-triage "$shape" "$file" "$jq_wall" "$TRIAGE" diagnose --format json "$file"
    done
    rm -f "$TMP/export.jsonl"
    gzip -c "$TMP/export.json" >"$TMP/export.json.gz"
    rm -f "$TMP/export.json"
    # Throughput over the compressed file's size, the same for both.
    row "gzip -dc" gz "$TMP/export.json.gz" "" gzip -dc "$TMP/export.json.gz"
    gz_wall="$LAST_WALL"
    row oidc-triage gz "$TMP/export.json.gz" "" "$TRIAGE" diagnose --format json "$TMP/export.json.gz"
    awk -v g="$gz_wall" -v t="$LAST_WALL" 'BEGIN { printf "   .json.gz: oidc-triage at %.0f%% of gzip -dc (wall)\n", (t > 0 ? 100 * g / t : 0) }'
    rm -f "$TMP/export.json.gz"
done

echo
echo "-- decode: one process, mean of $RUNS_DECODE"
if ! command -v jwt >/dev/null 2>&1; then
    echo "installing jwt-cli (cargo install jwt-cli)…" >&2
    cargo install --quiet jwt-cli >&2 || true
fi
TOKEN="$(sed -n 's/.*"value":"\([^"]*\)".*/\1/p' "$ROOT/assets/sample/id-token.json")"
printf '%s' "$TOKEN" >"$TMP/token.jwt"
if command -v hyperfine >/dev/null 2>&1; then
    cmds=("$TRIAGE decode $TOKEN")
    command -v jwt >/dev/null 2>&1 && cmds+=("jwt decode $TOKEN")
    hyperfine -N --warmup 20 --runs "$RUNS_DECODE" "${cmds[@]}" 2>/dev/null | grep -E 'Time|±|decode' || true
else
    loop() { # CMD… → mean ms per process, wall and cpu
        local start end
        local c0 c1 me="$BASHPID"
        start="$(date +%s%N)"
        c0="$(awk '{print $14+$15+$16+$17}' "/proc/$me/stat")"
        for _ in $(seq "$RUNS_DECODE"); do "$@" >/dev/null 2>&1 || true; done
        end="$(date +%s%N)"
        c1="$(awk '{print $14+$15+$16+$17}' "/proc/$me/stat")"
        awk -v s="$start" -v e="$end" -v n="$RUNS_DECODE" -v c="$((c1 - c0))" -v hz="$(getconf CLK_TCK)" \
            'BEGIN { printf "%.3f ms wall, %.3f ms cpu", (e - s) / 1e6 / n, c * 1000 / hz / n }'
    }
    echo "oidc-triage decode: $(loop "$TRIAGE" decode "$TOKEN")"
    if command -v jwt >/dev/null 2>&1; then
        echo "jwt decode:         $(loop jwt decode "$TOKEN")"
    fi
    echo "/bin/true:          $(loop /bin/true)"
fi
echo
echo "machine: $(nproc) core(s), load $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?'); jq $(jq --version 2>/dev/null || echo '?')$(command -v jaq >/dev/null 2>&1 && echo ", $(jaq --version)")"
