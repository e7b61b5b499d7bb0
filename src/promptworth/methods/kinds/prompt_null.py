"""prompt_null: prompt trained on unrelated target words (methods.prompt_null.label_words), the
control that says how much of the prompt's advantage is the label words' meaning."""

from promptworth.config.methods import Method

METHOD = Method(
    "prompt_null", "prompt", trains="lm", reading="rank", role="control",
    settings=("learning_rate", "generate", "label_words"), targets="own",
    checkpoint="lm/ (HF directory)",
    summary="prompt with unrelated target words (control: no label semantics)",
)  # fmt: skip


def behaviour():
    from promptworth.methods import prompt
    from promptworth.methods.registry import Behaviour, lm_scorer

    return Behaviour(METHOD, prompt.whole_lm_trainer(), lm_scorer())
