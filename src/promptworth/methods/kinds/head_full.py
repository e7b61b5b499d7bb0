"""head_full: the same head on the live LM, every weight trained (Le Scao & Rush's baseline).

The pretrained LM and the fresh head train together, each at its own learning rate
(methods.head_full.learning_rate: {lm, head}).
"""

from promptworth.config.methods import Method

METHOD = Method(
    "head_full", "head", trains="head+lm", reading="argmax", role="baseline",
    settings=("learning_rate",), has_head_rate=True,
    checkpoint="backbone/ (HF directory) + head.safetensors",
    summary="the same head, every LM weight trains (Le Scao & Rush's baseline)",
)  # fmt: skip


def behaviour():
    from promptworth.methods import head
    from promptworth.methods.registry import Behaviour, Trainer

    trainer = Trainer(head.head_trainer(head.train_head_full), head.save_head_and_backbone)
    return Behaviour(METHOD, trainer, head.score_head(head.full_head_logits))
