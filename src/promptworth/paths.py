"""Where each stage reads and writes (relative to the repository root, as in dvc.yaml)."""

from pathlib import Path

RAW = Path("data/raw")
MODEL = Path("data/model")
SPLITS = Path("data/splits.json")
FORMATTED = Path("data/formatted")
FEATURES = Path("data/features")
RUNS = Path("data/runs")
EVAL = Path("data/eval")
SUMMARY = Path("metrics/summary.json")
CURVES = Path("metrics/curves.csv")
PLOT = Path("reports/learning_curves.png")
REPORT = Path("reports/report.md")
