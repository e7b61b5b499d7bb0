"""What a run records, split by whether the same inputs reproduce it exactly.

- data/runs/<run>/train.json (and the run's scores): what training did (steps, chosen step,
  examples seen, tokens, the loss and dev accuracy of every step): the same inputs give the same
  file, so the read stage can depend on it and a forced re-run that changes nothing re-runs
  nothing downstream but the report.
- data/logs/runs/<run>/: DVCLive curves (their rows carry timestamps) and cost.json (wall time,
  peak memory, device): they differ between identical runs, so no stage but the report reads them
  (for the cost table) and they never reach metrics/summary.json.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from promptworth.core.io import write_json


class TrainLog:
    """DVCLive logger of one run's training loss and dev accuracy per step (a no-op when
    `log_dir` is None: a non-main process of a multi-process run)."""

    def __init__(self, log_dir: Path | None):
        self.live = None
        if log_dir is not None:
            from dvclive import Live

            self.live = Live(str(log_dir / "live"), save_dvc_exp=False, dvcyaml=None)

    def __call__(self, step: int, record: dict[str, float]) -> None:
        if self.live is None:
            return
        self.live.step = step
        for key, value in record.items():
            if key != "step":
                self.live.log_metric(key, value)
        self.live.next_step()

    def close(self, summary: dict) -> None:
        if self.live is not None:
            self.live.summary = summary
            self.live.end()


def write_cost(path: Path, **cost) -> None:
    """Wall time, memory and device of one stage run (a log, never a metric)."""
    write_json(path, {k: (round(v, 2) if isinstance(v, float) else v) for k, v in cost.items()})


Logger = Callable[[int, dict[str, float]], None]
