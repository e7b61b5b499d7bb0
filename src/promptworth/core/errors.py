"""Errors a user can fix: bad params, bad data, a grid that does not fit the data.

Stage scripts print these as one line (promptworth.core.cli.run_stage); anything else is a bug and
keeps its traceback.
"""


class PromptworthError(ValueError):
    """An expected, user-fixable error; its message names the key, file and line at fault."""


class ParamsError(PromptworthError):
    """A parameter in params.yaml is missing or invalid; the message names the key and line."""


class DataError(PromptworthError):
    """A data source is missing, malformed or holds bad rows; the message names file and line."""


class SamplingError(PromptworthError):
    """A requested size does not fit the available rows; the message names the parameter."""


class ModelError(PromptworthError):
    """model.name cannot be loaded (missing, not a model, unreachable); the message names it."""


class CheckpointError(PromptworthError):
    """A saved checkpoint is damaged or incomplete; the message names the file and the fix."""
