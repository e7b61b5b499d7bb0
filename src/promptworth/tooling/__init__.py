"""Shared by tests and tools, never by a pipeline stage: a stand-in dvc for the presets and
the import closure that guards dvc.yaml's code dependencies."""
