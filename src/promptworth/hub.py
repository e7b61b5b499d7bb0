"""Is a hub dataset loadable here (from the hub or the local cache)? One line if not.

    python -m promptworth.hub ag_news     # exit 0 if loadable, else one error line and exit 1

The presets ask this before any stage runs, so a machine without hub access and without a local
copy stops at once with what to do, instead of after minutes of retries in the download stage.
"""

from __future__ import annotations

import os
import sys
import urllib.request

HUB = os.environ.get("HF_ENDPOINT", "https://huggingface.co")


def hub_problem(dataset_id: str, timeout: float = 10.0) -> str | None:
    """None when the hub answers for `dataset_id` or its datasets cache holds it; else why not."""
    if os.environ.get("HF_HUB_OFFLINE", "0") in ("", "0"):
        try:
            urllib.request.urlopen(f"{HUB}/api/datasets/{dataset_id}", timeout=timeout).close()
            return None
        except OSError as err:  # no network, DNS, HTTP errors
            reason = f"{type(err).__name__}: {getattr(err, 'reason', err)}"
    else:
        reason = "HF_HUB_OFFLINE is set"
    # The cache: read at import time, so the offline switches must be set before importing.
    os.environ["HF_HUB_OFFLINE"] = os.environ["HF_DATASETS_OFFLINE"] = "1"
    try:
        from datasets import load_dataset_builder

        load_dataset_builder(dataset_id)
        return None
    except Exception:  # any failure means "not usable offline"
        return reason + "; not in the datasets cache either"


def main() -> None:
    dataset_id = sys.argv[1]
    problem = hub_problem(dataset_id)
    if problem is not None:
        print(
            f"error: {dataset_id!r} cannot be loaded: the Hugging Face hub is unreachable "
            f"({problem}); set AG_NEWS_TRAIN and AG_NEWS_TEST to local files instead",
            file=sys.stderr,
        )
        sys.exit(1)


if __name__ == "__main__":
    main()
