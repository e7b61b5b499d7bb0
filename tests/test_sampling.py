import numpy as np
import pytest

from promptworth.core.errors import SamplingError
from promptworth.data.sampling import balanced_order, make_splits, nested_subset

LABELS = np.array([0] * 50 + [1] * 30 + [2] * 40 + [3] * 80)


def splits(**kw):
    args = dict(seeds=[0, 1], stratify=True, dev_size=20, split_seed=7, test_size=20)
    args.update(kw)
    return make_splits(LABELS, np.repeat(np.arange(4), 25), **args)


def training_rows(s, seed, size):
    return nested_subset(s["orders"][seed], size)


def test_smaller_subsets_are_prefixes_of_larger_ones():
    s = splits()
    for seed in (0, 1):
        small, large = training_rows(s, seed, 10), training_rows(s, seed, 100)
        assert large[:10] == small
        assert set(small) < set(large)


def test_no_dev_row_in_any_subset_of_any_seed():
    s = splits()
    for seed in (0, 1):
        assert not set(s["dev"]) & set(training_rows(s, seed, 100))


def test_subsets_have_no_duplicate_rows():
    rows = training_rows(splits(), 0, 100)
    assert len(rows) == len(set(rows))


def test_seeds_give_different_permutations():
    s = splits()
    assert training_rows(s, 0, 40) != training_rows(s, 1, 40)


def test_same_seed_gives_same_splits():
    assert splits() == splits()


def test_stratified_prefixes_are_balanced_to_within_one():
    order = balanced_order(LABELS, np.random.default_rng(3))
    for n in (4, 10, 37, 100):
        counts = np.bincount(LABELS[order[:n]], minlength=4)
        assert counts.max() - counts.min() <= 1, (n, counts)


def test_stratification_continues_after_a_class_runs_out():
    order = balanced_order(LABELS, np.random.default_rng(3))
    assert sorted(order.tolist()) == list(range(len(LABELS)))
    counts = np.bincount(LABELS[order[:150]], minlength=4)
    assert counts[1] == 30  # the smallest class is exhausted, others keep being dealt


def test_dev_and_test_subsets_are_stratified():
    s = splits(dev_size=20, test_size=20)
    assert np.bincount(LABELS[s["dev"]], minlength=4).tolist() == [5, 5, 5, 5]
    assert len(s["test"]) == 20 and len(set(s["test"])) == 20


def test_whole_test_split_when_test_size_is_null():
    assert splits(test_size=None)["test"] == list(range(100))


def test_size_larger_than_pool_names_size_and_pool():
    with pytest.raises(SamplingError, match=r"grid.head.sizes: size 500 .* pool \(180 rows"):
        nested_subset(splits()["orders"][0], 500, "grid.head.sizes")


def test_an_order_is_the_whole_pool_whatever_the_sizes():
    s = splits()
    assert sorted(s["orders"][0]) == sorted(set(range(len(LABELS))) - set(s["dev"]))


def test_adding_a_seed_changes_no_other_order():
    assert splits(seeds=[0, 1, 5])["orders"][1] == splits(seeds=[0, 1])["orders"][1]


def test_test_size_beyond_split_is_an_error():
    with pytest.raises(SamplingError, match="sample.test_size"):
        splits(test_size=1000)
