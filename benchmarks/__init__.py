"""Benchmarks: `python -m benchmarks [NAME …]` runs them and rewrites docs/benchmarks.md.

Each benchmark is a module ``benchmarks/bench_<name>.py`` with ``run(scale: str) -> dict`` returning
{"title", "goal", "rows": [{"metric", "value", "unit", "goal", "baseline", "ratio", "note"}], "notes": [...]}.
Its result is saved as ``benchmarks/results/<name>.json``; the report is composed from all saved results,
so one benchmark can be re-run without re-running the others.
"""
