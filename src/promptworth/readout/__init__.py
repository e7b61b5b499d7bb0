"""Reading labels off a model: head argmax, rank classification, generation, the verbalisers
and scoring."""
