"""Language models: export and load any source, the classification head, dynamic padding."""
