"""Stage `validate`: check the whole params.yaml before any stage works, whatever the edit.

DVC re-runs a stage only when a params key it lists changes, so a misspelt key or a new section
(`model.nmae`, `trian:`, `dvc exp run -S +runtime.gpuu=0`) would pass in silence in a workspace
that has run: no stage lists it. This stage depends on params.yaml itself, so any edit runs it
(about a second), and validates everything: every key known (with "did you mean"), every
combination able to run, and what can be checked before training (the BERTScore model, when a
bertscore verbaliser reads generations). It writes data/validated.json, whose content never
changes: download and model depend on it, so a valid edit still re-runs only the stages that
read the edited keys.
"""

from promptworth.config.params import load_params
from promptworth.core.cli import run_stage
from promptworth.core.errors import ParamsError
from promptworth.core.io import write_json
from promptworth.core.paths import VALIDATED
from promptworth.readout.verbalise import bertscore_model_problem


def main() -> None:
    params = load_params()
    generates = any(
        r.spec.reads_pattern and params.methods[r.method].generate
        for r in params.grid.runs()
        if r.method in params.methods
    )
    if generates and "bertscore" in params.eval.verbalisers:
        problem = bertscore_model_problem(params.eval.bertscore.model)
        if problem:
            raise ParamsError(f"params.yaml: 'eval.bertscore.model': {problem}")
    write_json(VALIDATED, {"params.yaml": "valid"})
    print("params.yaml: valid")


if __name__ == "__main__":
    run_stage(main)
