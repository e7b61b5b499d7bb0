"""Configuration, at the bottom of the import graph after core: the table of methods and
params.yaml loaded once into typed, validated settings."""
