"""The methods: one module per method (kinds/<name>.py: what it is and how it trains, saves,
loads, scores and is costed), the shapes they are built from (registry), the machinery of each
kind (head, prompt, icl), the shared training loop, and one run's stage (one_run)."""
