"""Is a hub dataset loadable here (from the hub or the local cache)? One line if not.

    python -m promptworth.core.hub ag_news     # exit 0 if loadable, else one error line and exit 1
    python -m promptworth.core.hub glue --config rte --hint "set data.source to a local file"

The presets ask this before any stage runs, so a machine without hub access and without a local
copy stops at once with what to do, instead of after minutes of retries in the download stage.
"""

from __future__ import annotations

import argparse
import os
import sys
import urllib.request

HUB = os.environ.get("HF_ENDPOINT", "https://huggingface.co")


def hub_problem(dataset_id: str, config: str | None = None, timeout: float = 10.0) -> str | None:
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

        load_dataset_builder(dataset_id, config)
        return None
    except Exception:  # any failure means "not usable offline"
        return reason + "; not in the datasets cache either"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset_id", help="hub dataset id, e.g. ag_news or glue")
    parser.add_argument("--config", default=None, help="its config, e.g. rte (data.config)")
    parser.add_argument(
        "--hint",
        default="set data.source to a local file or a save_to_disk folder instead",
        help="what the error line tells the user to do instead",
    )
    args = parser.parse_args()
    problem = hub_problem(args.dataset_id, args.config)
    if problem is not None:
        print(
            f"error: {args.dataset_id!r} cannot be loaded: the Hugging Face hub is unreachable "
            f"({problem}); {args.hint}",
            file=sys.stderr,
        )
        sys.exit(1)


if __name__ == "__main__":
    main()
