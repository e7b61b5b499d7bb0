"""The methods: the registry of stage families (each trains, saves, loads, predicts and
estimates its own cost) and one module per family, with the shared training loop."""
