"""prompt_tuning: the prompt objective with trainable virtual-token embeddings only (Lester et
al. 2021), started from a text's embeddings; the LM stays frozen."""

from promptworth.config.methods import Method

METHOD = Method(
    "prompt_tuning", "prompt", trains="soft_prompt", reading="rank", role="prompt",
    settings=("learning_rate", "generate", "virtual_tokens", "init_text"),
    checkpoint="adapter/ (peft virtual-token embeddings only)",
    summary="prompt with trainable virtual-token embeddings only (Lester et al. 2021)",
)  # fmt: skip


def behaviour():
    from promptworth.methods import prompt
    from promptworth.methods.registry import Behaviour, Trainer, lm_scorer

    trainer = Trainer(
        prompt.prompt_trainer(prompt.lm_with_soft_prompt), prompt.save_adapter,
        prompt.load_with_soft_prompt, build=prompt.lm_with_soft_prompt,
    )  # fmt: skip
    return Behaviour(METHOD, trainer, lm_scorer())
