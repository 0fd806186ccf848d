#!/usr/bin/env python3
"""Validate tests/corpus/*.toml (see README.md). Stdlib only, Python >= 3.11.

Usage: python3 tests/corpus/check.py [FILE.toml ...]
Exits 1 on any error; prints counts (cases, distinct sources, per tool, per stage, ...).
"""
import collections
import pathlib
import re
import sys
import tomllib

HERE = pathlib.Path(__file__).resolve().parent
FINDINGS = HERE.parent.parent / "assets" / "knowledge" / "findings"

REQUIRED = ["id", "split", "source", "tool", "platform", "cloud", "input", "stage",
            "cause", "resolution", "text"]
OPTIONAL = ["note"]
SPLITS = {"train", "holdout"}
STAGES = {"workflow", "token", "trust", "role", "audit"}
PLATFORMS = {"github-actions", "gitlab", "azure-devops", "circleci", "bitbucket", "buildkite",
             "terraform-cloud", "kubernetes", "spacelift", "semaphore", "jenkins", "env0",
             "generic"}
CLOUDS = {"aws", "azure", "gcp", "vault", "pypi", "npm", "crates-io", "rubygems",
          "s3-compatible"}
INPUTS = {"error-text", "ci-log", "cloudtrail-event", "gcp-audit-entry", "entra-signin",
          "trust-policy", "trust-fragment", "claims", "k8s-manifest", "terraform", "other"}
ID_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
CAUSE_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*(\.[a-z0-9]+(-[a-z0-9]+)*)+$")


def known_findings():
    ids = set()
    if FINDINGS.is_dir():
        for f in FINDINGS.glob("*.toml"):
            try:
                data = tomllib.loads(f.read_text(encoding="utf-8"))
            except tomllib.TOMLDecodeError:
                continue
            for v in data.values():
                if isinstance(v, list):
                    for item in v:
                        if isinstance(item, dict) and isinstance(item.get("id"), str):
                            ids.add(item["id"])
    return ids


def main(argv):
    files = [pathlib.Path(a) for a in argv] or sorted(HERE.glob("*.toml"))
    errors = []
    warnings = []
    all_ids = {}
    cases = []
    per_file = {}
    for f in files:
        try:
            data = tomllib.loads(f.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as e:
            errors.append(f"{f.name}: cannot read: {e}")
            continue
        extra_top = set(data) - {"case"}
        if extra_top:
            errors.append(f"{f.name}: unexpected top-level keys {sorted(extra_top)}")
        fcases = data.get("case", [])
        if not isinstance(fcases, list):
            errors.append(f"{f.name}: 'case' must be an array of tables ([[case]])")
            continue
        prefix = f.stem + "-"
        holdout = 0
        for i, c in enumerate(fcases, start=1):
            where = f"{f.name} case #{i} ({c.get('id', '?')})"
            for k in REQUIRED:
                v = c.get(k)
                if not isinstance(v, str) or not v.strip():
                    errors.append(f"{where}: missing or empty '{k}'")
            for k in set(c) - set(REQUIRED) - set(OPTIONAL):
                errors.append(f"{where}: unknown field '{k}'")
            cid = c.get("id", "")
            if isinstance(cid, str):
                if not ID_RE.match(cid):
                    errors.append(f"{where}: id is not kebab-case")
                if not cid.startswith(prefix):
                    errors.append(f"{where}: id must start with '{prefix}'")
                if cid in all_ids:
                    errors.append(f"{where}: duplicate id (also in {all_ids[cid]})")
                all_ids[cid] = f.name
            src = c.get("source", "")
            if isinstance(src, str) and (not src.startswith("https://") or re.search(r"\s", src)):
                errors.append(f"{where}: source must be one https URL")
            for k, vocab in (("split", SPLITS), ("stage", STAGES), ("platform", PLATFORMS),
                             ("cloud", CLOUDS), ("input", INPUTS)):
                if c.get(k) not in vocab:
                    errors.append(f"{where}: {k} {c.get(k)!r} not in {sorted(vocab)}")
            expected = "holdout" if i % 4 == 0 else "train"
            if c.get("split") != expected:
                errors.append(f"{where}: split must be '{expected}' (every 4th case is holdout)")
            if c.get("split") == "holdout":
                holdout += 1
            cause = c.get("cause", "")
            if isinstance(cause, str):
                if not CAUSE_RE.match(cause):
                    errors.append(f"{where}: cause {cause!r} is not a finding id (stage.scope.check)")
                elif cause.split(".")[0] != c.get("stage"):
                    errors.append(f"{where}: cause {cause!r} does not start with stage {c.get('stage')!r}")
            c["_file"] = f.name
            cases.append(c)
        n = len(fcases)
        per_file[f.name] = (n, holdout)
        ratio = 100.0 * holdout / n if n else 0.0
        if abs(ratio - 25.0) > 3.0:
            # With the position rule a file of n >= 25 cases is always within 25% ± 3;
            # a smaller file is only a warning (it dips between multiples of 4).
            msg = f"{f.name}: holdout ratio {ratio:.1f}% ({holdout}/{n}) not within 25% ± 3"
            if n >= 25:
                errors.append(msg)
            else:
                warnings.append(msg + " (small file: keep its size a multiple of 4)")

    known = known_findings()
    sources = {c.get("source") for c in cases}
    print(f"cases: {len(cases)}   distinct sources: {len(sources)}   "
          f"holdout: {sum(1 for c in cases if c.get('split') == 'holdout')}")
    print("\nper file (cases, holdout, distinct sources):")
    for name, (n, h) in per_file.items():
        s = {c.get("source") for c in cases if c["_file"] == name}
        print(f"  {name:24} {n:4} {h:4} {len(s):4}")

    def table(title, key):
        cnt = collections.Counter(str(c.get(key)) for c in cases)
        print(f"\nper {title}:")
        for k, v in sorted(cnt.items(), key=lambda kv: (-kv[1], kv[0])):
            print(f"  {v:4}  {k}")

    table("stage", "stage")
    table("tool", "tool")
    table("cloud", "cloud")
    table("input", "input")
    table("platform", "platform")
    proposed = collections.Counter(c.get("cause") for c in cases if c.get("cause") not in known)
    if known:
        print(f"\nproposed finding ids (not in {FINDINGS.relative_to(HERE.parent.parent)}):")
        for k, v in sorted(proposed.items(), key=lambda kv: (-kv[1], str(kv[0]))):
            print(f"  {v:4}  {k}")
    for w in warnings:
        print("warning: " + w, file=sys.stderr)
    if errors:
        print(f"\n{len(errors)} error(s):", file=sys.stderr)
        for e in errors:
            print("  " + e, file=sys.stderr)
        return 1
    print("\nOK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
