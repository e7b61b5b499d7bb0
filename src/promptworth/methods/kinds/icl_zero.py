"""icl_zero: no training and no data: the pattern alone on the base LM, rank-classified (the
reference line of the learning-curve figure)."""

from promptworth.config.methods import Method

METHOD = Method(
    "icl_zero", "icl_zero", trains=None, reading="rank", role="reference",
    summary="no training: the pattern alone, rank-classified",
)  # fmt: skip


def behaviour():
    from promptworth.methods.registry import Behaviour, lm_scorer

    return Behaviour(METHOD, None, lm_scorer())
