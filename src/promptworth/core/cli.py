"""How every stage script starts and fails: one line per expected error, no traceback.

An expected error (bad params, bad data, a size the pool cannot hold) is the user's to fix, so
the stage prints `error: <file>:<line>: <what is wrong>` and exits with status 2. Set
PROMPTWORTH_VERBOSE=1 to get the traceback too. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from promptworth.core.errors import PromptworthError

VERBOSE_ENV = "PROMPTWORTH_VERBOSE"


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
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)
