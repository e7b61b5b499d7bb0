"""head_frozen: a linear head on the frozen LM's last non-pad hidden state (the blog's setup).

Only the head trains, on features the run computes once per training row (dev and test rows'
come from the features stage), so a step costs no LM pass: the plan counts one forward per
training row and no test pass.
"""

from promptworth.config.methods import Method

METHOD = Method(
    "head_frozen", "head", trains="head", reading="argmax", role="baseline",
    settings=("learning_rate",),
    checkpoint="head.safetensors (the LM is unchanged)",
    summary="linear head on the frozen LM's last non-pad hidden state",
)  # fmt: skip


def behaviour():
    from functools import partial

    from promptworth.data.runs import features_dir
    from promptworth.methods import head
    from promptworth.methods.registry import Behaviour, Trainer

    features = features_dir(METHOD.name)
    trainer = Trainer(
        head.head_trainer(partial(head.train_head_frozen, features=features)), head.save_head,
        cached_features=True,
    )  # fmt: skip
    return Behaviour(METHOD, trainer, head.score_head(head.frozen_head_logits(features)))
