"""prompt: the article inside the pattern, every LM weight tuned with next-token loss on the
label word only; read by rank classification (and greedy generation when asked)."""

from promptworth.config.methods import Method

METHOD = Method(
    "prompt", "prompt", trains="lm", reading="rank", role="prompt",
    settings=("learning_rate", "generate"),
    checkpoint="lm/ (HF directory)",
    summary="the pattern, every LM weight tuned with next-token loss on the label word",
)  # fmt: skip


def behaviour():
    from promptworth.methods import prompt
    from promptworth.methods.registry import Behaviour, lm_scorer

    return Behaviour(METHOD, prompt.whole_lm_trainer(), lm_scorer())
