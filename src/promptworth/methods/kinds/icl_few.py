"""icl_few: no training: `shots` demonstrations drawn from the run's subset (with its seed), then
the query, on the base LM; demonstrations that overflow the context are dropped, last first."""

from promptworth.config.methods import Method

METHOD = Method(
    "icl_few", "icl_few", trains=None, reading="rank", role="prompt",
    settings=("shots", "max_tokens"),
    summary="no training: demonstrations from the run's subset, then the query",
)  # fmt: skip


def behaviour():
    from promptworth.methods import icl
    from promptworth.methods.registry import Behaviour, lm_scorer

    return Behaviour(
        METHOD, None, lm_scorer(icl.few_shot_inputs),
        demonstrations=lambda settings: (settings.shots or 0) if settings else 0,
    )  # fmt: skip
