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
    from promptworth.methods.registry import Behaviour, Trainer, lm_scorer

    trainer = Trainer(
        prompt.prompt_trainer(prompt.whole_lm), prompt.save_lm, prompt.load_trained_lm,
        build=prompt.whole_lm,
    )  # fmt: skip
    return Behaviour(METHOD, trainer, lm_scorer())
