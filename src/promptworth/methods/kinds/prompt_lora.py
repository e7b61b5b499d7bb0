"""prompt_lora: the prompt objective with peft LoRA adapters only; the LM stays frozen. The
adapters are folded into the weights before scoring (the same merge loading the checkpoint
does), so scoring runs at the plain LM's speed."""

from promptworth.config.methods import Method

METHOD = Method(
    "prompt_lora", "prompt", trains="lora", reading="rank", role="prompt",
    settings=("learning_rate", "generate", "rank", "alpha", "dropout"),
    checkpoint="adapter/ (peft LoRA weights only)",
    summary="prompt with low-rank adapters only (peft LoRA); the LM stays frozen",
)  # fmt: skip


def behaviour():
    from promptworth.methods import prompt
    from promptworth.methods.registry import Behaviour, Trainer, lm_scorer

    trainer = Trainer(
        prompt.prompt_trainer(prompt.lm_with_lora), prompt.save_adapter, prompt.load_with_lora,
        build=prompt.lm_with_lora, for_scoring=prompt.fold_lora,
    )  # fmt: skip
    return Behaviour(METHOD, trainer, lm_scorer())
