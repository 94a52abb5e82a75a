"""`python -m benchmarks [NAME …] [--scale small|full] [--report-only]`."""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from benchmarks.harness import save, write_report

HERE = Path(__file__).resolve().parent


def available() -> list[str]:
    return sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("names", nargs="*", help=f"benchmarks to run (default: all): {', '.join(available())}")
    parser.add_argument("--scale", default="full", choices=["small", "full"])
    parser.add_argument("--report-only", action="store_true", help="only rewrite docs/benchmarks.md")
    args = parser.parse_args(argv)
    if not args.report_only:
        for name in args.names or available():
            module = importlib.import_module(f"benchmarks.bench_{name}")
            print(f"== {name} ({args.scale})", file=sys.stderr)
            result = module.run(args.scale)
            result.setdefault("scale", args.scale)
            save(name, result)
    print(write_report())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
