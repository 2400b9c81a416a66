"""`posart` command line: audit where an artifact came from.

`posart audit PATH` prints the provenance chain from a figure or table back to the raw
data files and their checksums; `--json` prints it machine-readably. It then checks the
chain: every artifact is hashed against its record (missing or changed files are named)
and one model's weights must not be mixed; any problem makes the exit status 1.
"""

from __future__ import annotations

import argparse
import json
import sys

from posart import provenance


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="posart", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    audit = commands.add_parser("audit", help="print the provenance chain of an artifact")
    audit.add_argument("path", help="a workflow output, e.g. results/paper/table2_sts.csv")
    audit.add_argument("--json", action="store_true", help="print the chain as JSON")
    audit.add_argument("--trust-mtime", action="store_true",
                       help="do not re-hash artifacts whose size and mtime match their record (fast on large caches)")
    args = parser.parse_args(argv)
    try:
        node = provenance.chain(args.path)
        if node.get("raw"):
            raise FileNotFoundError(f"no provenance record for {args.path} "
                                    f"(expected {provenance.sidecar(args.path)})")
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


if __name__ == "__main__":
    sys.exit(main())
