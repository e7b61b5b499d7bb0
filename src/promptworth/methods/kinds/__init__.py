"""One module per method, named as the method (config/methods.py's `kind_module` finds it).

Each declares METHOD (what it is) at import, which must stay light (params validation reads it
in every stage), and `behaviour()` (how it trains, saves, loads, scores and is costed), which
imports the heavy machinery only when a run calls it. A run stage depends on its own method's
module (dvc.yaml), so a new module re-runs nothing that exists.
"""
