"""Stage `model`: resolve model.name (hub id, local directory or .gguf file) into data/model, a
plain Hugging Face directory (safetensors + tokenizer) that every later stage loads offline."""

from promptworth.config.params import load_params
from promptworth.core.cli import run_stage
from promptworth.core.io import atomic_path
from promptworth.core.paths import MODEL
from promptworth.lm.modeling import export_model


def main() -> None:
    name = load_params().model_name
    with atomic_path(MODEL) as tmp:
        export_model(name, tmp)
    print(f"saved {name} to {MODEL}")


if __name__ == "__main__":
    run_stage(main)
