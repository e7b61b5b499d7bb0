"""How every stage script starts and fails: one line per expected error, no traceback.

An expected error (bad params, bad data, a size the pool cannot hold) is the user's to fix, so
the stage prints `error: <file>:<line>: <what is wrong>` and exits with status 2, with a hint on
how to go back (a failed `dvc exp run` leaves its values in params.yaml). A full disk is named
the same way (which file, how much is free). Set PROMPTWORTH_VERBOSE=1 to get the traceback too.
Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import errno
import os
import shutil
import sys
from collections.abc import Callable

from promptworth.core.errors import PromptworthError

VERBOSE_ENV = "PROMPTWORTH_VERBOSE"
GO_BACK = (
    "hint: to undo a params edit or a failed `dvc exp run` (it leaves its values in params.yaml), "
    "`git checkout params.yaml` then `dvc checkout`"
)


def is_disk_full(err: BaseException) -> bool:
    """No space left: an OSError's errno, or a library's own error type (safetensors) with the
    system's words in its message."""
    if isinstance(err, OSError) and err.errno == errno.ENOSPC:
        return True
    return "No space left on device" in str(err)


def disk_full_message(err: BaseException) -> str:
    where = getattr(err, "filename", None) or "this stage's output"
    free_mb = shutil.disk_usage(".").free / 2**20
    return (
        f"error: no space left on the device writing {where} ({free_mb:,.0f} MB free here); "
        "free space and run `dvc repro` again (this stage left nothing half-written)"
    )


def run_stage(main: Callable[[], None]) -> None:
    try:
        main()
    except KeyboardInterrupt:
        # Outputs are written to temporary paths and moved in place only when complete, so an
        # interrupted stage leaves nothing half-written; dvc repro starts it again.
        print(
            "interrupted: this stage wrote nothing (its outputs appear only when complete); "
            "`dvc repro` starts it again",
            file=sys.stderr,
        )
        sys.exit(130)
    except PromptworthError as err:
        if os.environ.get(VERBOSE_ENV, "") not in ("", "0"):
            raise
        print(f"error: {err}\n{GO_BACK}", file=sys.stderr)
        sys.exit(2)
    except Exception as err:
        if not is_disk_full(err) or os.environ.get(VERBOSE_ENV, "") not in ("", "0"):
            raise
        print(disk_full_message(err), file=sys.stderr)
        sys.exit(2)
