import numpy as np
import pytest

from promptworth.core.text import normalise
from promptworth.readout.scoring import score_predictions
from promptworth.readout.verbalise import NONE, verbalise_exact, verbalise_rouge

NAMES = ["World", "Sports", "Business", "Sci/Tech"]


def test_normalise_strips_punctuation_and_case():
    assert normalise("  Sci/Tech.\n") == "sci tech"


@pytest.mark.parametrize(
    ("generation", "expected"),
    [
        (" Sports", 1),
        ("sports news today", 1),
        (" Sci/Tech", 3),
        ("sci-tech!", 3),
        (" Business.", 2),
        ("Sportsmanship", NONE),  # a prefix of a word is not the word
        (" The world", NONE),  # the label must come first
        ("", NONE),
    ],
)
def test_exact_verbaliser(generation, expected):
    assert verbalise_exact([generation], NAMES).tolist() == [expected]


def test_rouge_verbaliser_maps_partial_overlap_and_thresholds_to_none():
    preds = verbalise_rouge(["sci tech news", "technology", " Sports"], NAMES, threshold=0.5)
    # "sci tech news" vs "Sci/Tech": LCS 2, P=2/3, R=1 -> F1 0.8; "technology" shares no token.
    assert preds.tolist() == [3, NONE, 1]


def test_rouge_threshold_is_applied():
    assert verbalise_rouge(["sci tech news"], NAMES, threshold=0.81).tolist() == [NONE]


def test_bertscore_verbaliser_maps_exact_names_and_empty_to_none(tiny_bert_dir):
    from promptworth.readout.verbalise import bertscore_scorer, verbalise_bertscore

    scorer = bertscore_scorer(str(tiny_bert_dir), 2)
    preds = verbalise_bertscore(["Sports", "Sci/Tech", ""], NAMES, scorer, 0.99)
    assert preds.tolist() == [1, 3, NONE]


def test_the_a_priori_bertscore_threshold_comes_from_the_label_names_alone(tiny_bert_dir):
    from bert_score import BERTScorer

    from promptworth.readout.verbalise import bertscore_threshold, verbalise_bertscore

    scorer = BERTScorer(model_type=str(tiny_bert_dir), num_layers=2, use_fast_tokenizer=True)
    threshold = bertscore_threshold(scorer, NAMES)
    _, _, f1 = scorer.score(["World"], ["Sports"])
    assert threshold >= float(f1[0]) and threshold < 1.0  # the closest two names, not a name itself
    preds = verbalise_bertscore(["Sports", "World", ""], NAMES, scorer, None)
    assert preds.tolist() == [1, 0, NONE]  # a name scores 1.0 with itself: above the threshold


def test_scores_count_none_as_wrong():
    s = score_predictions([0, 1, 2, 3], [0, 1, NONE, 2], 4)
    assert s["accuracy"] == 0.5
    assert s["none_rate"] == 0.25
    assert s["confusion"] == [[1, 0, 0, 0, 0], [0, 1, 0, 0, 0], [0, 0, 0, 0, 1], [0, 0, 1, 0, 0]]
    # per-class F1: 1, 1, 0 (no correct Business), 0 -> macro 0.5
    assert s["macro_f1"] == pytest.approx(0.5)


def test_scores_reject_mismatched_lengths():
    with pytest.raises(ValueError):
        score_predictions([0, 1], [0], 4)


def test_perfect_predictions_score_one():
    y = np.arange(4).repeat(3)
    s = score_predictions(y, y, 4)
    assert s["accuracy"] == 1.0 and s["macro_f1"] == 1.0 and s["none_rate"] == 0.0


def test_verbalisers_read_the_first_non_empty_line():
    gens = ["\n Business\n\nWhat is", " Sports\nWorld"]
    assert verbalise_exact(gens, NAMES).tolist() == [2, 1]
    # ROUGE-L of "Business" against the whole text would be 0.5; the first line scores 1.0.
    assert verbalise_rouge(gens, NAMES, threshold=0.9).tolist() == [2, 1]
