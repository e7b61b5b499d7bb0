"""The data path: read a task from the hub or local files, check it, sample nested subsets,
cut inputs and apply prompt patterns, and load one run's rows."""
