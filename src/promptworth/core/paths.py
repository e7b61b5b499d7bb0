"""Where each stage reads and writes (relative to the repository root, as in dvc.yaml)."""

from pathlib import Path

VALIDATED = Path("data/validated.json")  # the validate stage's constant mark: params are valid
RAW = Path("data/raw")
CLASSES = RAW / "classes.json"  # the task's class names, in label-id order
MODEL = Path("data/model")
PLAN = Path("data/plan.json")
PROBES = Path(
    "data/throughput"
)  # the plan stage's measured throughput, per machine (not an output)
SPLITS = Path("data/splits")  # dev.json, test.json, order-<seed>.json
FORMATTED = Path("data/formatted")
FEATURES = Path("data/features")
RUNS = Path("data/runs")  # each run's train.json and test scores (checkpoint only if kept)
EVAL = Path("data/eval")  # each run's readings: metrics.json, predictions.csv (read stage)
RUN_LOGS = Path("data/logs/runs")  # DVCLive curves, wall time, memory: read only for cost
SUMMARY = Path("metrics/summary.json")
CURVES = Path("metrics/curves.csv")
PLOT = Path("reports/learning_curves.png")
REPORT = Path("reports/report.md")
COST = Path("reports/cost.csv")


def order_file(seed: int) -> Path:
    """A data seed's permutation of the training pool (its first n rows: the n-point subset)."""
    return SPLITS / f"order-{seed}.json"
