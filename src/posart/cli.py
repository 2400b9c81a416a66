"""`posart` command line: audit where an artifact came from; check a config.

`posart audit PATH` prints the provenance chain from a figure or table back to the raw
data files and their checksums; `--json` prints it machine-readably. It then checks the
chain: every artifact is hashed against its record (missing or changed files are named)
and one model's weights must not be mixed; any problem makes the exit status 1.
`posart config FILE...` loads a config as the workflow does (posart.config) and prints it
with every default, or says what is wrong and where: Snakemake reads `--configfile` files
itself and reports a YAML syntax error without naming file or line.
"""

from __future__ import annotations

import argparse
import json
import sys

import yaml

from posart import provenance


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="posart", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    audit = commands.add_parser("audit", help="print the provenance chain of an artifact")
    audit.add_argument("path", help="a workflow output, e.g. results/paper/table2_sts.csv")
    audit.add_argument("--json", action="store_true", help="print the chain as JSON")
    audit.add_argument(
        "--trust-mtime",
        action="store_true",
        help="do not re-hash artifacts whose size and mtime match their record (fast on large caches)",
    )
    check = commands.add_parser("config", help="check config files as the workflow loads them; print the result")
    check.add_argument("files", nargs="+", help="config files, merged in order (as --configfile)")
    check.add_argument("--schema", default="schemas/config.schema.yaml", help="the workflow's config schema")
    args = parser.parse_args(argv)
    return _audit(args) if args.command == "audit" else _config(args)


def _audit(args) -> int:
    try:
        node = provenance.chain(args.path)
        if node.get("raw"):
            raise FileNotFoundError(f"no provenance record for {args.path} (expected {provenance.sidecar(args.path)})")
    except FileNotFoundError as error:
        print(f"posart audit: {error}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(node, indent=1, default=str))
    else:
        print("\n".join(provenance.render(node)))
    problems = provenance.problems(node, trust_mtime=args.trust_mtime)
    for problem in problems:
        print(f"posart audit: PROBLEM: {problem}", file=sys.stderr)
    return 1 if problems else 0


def _config(args) -> int:
    from posart import config

    try:
        loaded = config.load(args.files, schema_path=args.schema)
    except (ValueError, OSError) as error:
        print(f"posart config: {error}", file=sys.stderr)
        return 2
    print(yaml.safe_dump(loaded, sort_keys=False), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
