"""Protocol v2's stopping rule read off a comparison: an answer, more than the pool, a bound at
the protocol's size limit, or the next size to run; and how the table and the report say it."""

import pandas as pd

from promptworth.analysis.reading import cap_sentence
from promptworth.analysis.report import advantage_of
from promptworth.analysis.stopping import status_text, stopping_status
from promptworth.analysis.wording import advantage_text, rows_capped_text


def runs(sizes, accuracies, seed=0):
    return pd.DataFrame({"size": sizes, "accuracy": accuracies, "seed": seed})


PROMPT = pd.concat([runs([10, 500, 1000], [0.60, 0.85, 0.90], s) for s in (0, 1)])
CAPPED = pd.concat([runs([10, 500, 1000], [0.40, 0.70, 0.80], s) for s in (0, 1)])


def test_a_baseline_that_reaches_the_prompt_gives_an_answer():
    reaching = pd.concat([runs([10, 500, 1000], [0.40, 0.80, 0.92], s) for s in (0, 1)])
    res = advantage_of(PROMPT, reaching, 101, (20, 0), pool=5000)
    assert stopping_status(res, size_limit=1000) == {"status": "answer"}
    assert status_text(stopping_status(res)) == "answer"


def test_a_capped_baseline_runs_twice_its_largest_size_next():
    res = advantage_of(PROMPT, CAPPED, 101, (20, 0), pool=5000)
    status = stopping_status(res)
    assert status == {"status": "continue", "next_size": 2000, "largest_size": 1000}
    assert status_text(status) == "bound (unfinished: 2,000 next)"
    res["stopping"] = status
    assert advantage_text(res).endswith(
        "the protocol's stopping rule runs 2,000 points next; until then this is a bound"
    )


def test_the_next_size_never_passes_the_pool_or_the_limit():
    res = advantage_of(PROMPT, CAPPED, 101, (20, 0), pool=1325)
    assert stopping_status(res)["next_size"] == 1325  # the whole pool, not 2,000
    assert stopping_status(advantage_of(PROMPT, CAPPED, 101, (20, 0)), 1500)["next_size"] == 1500


def test_a_baseline_that_had_the_whole_pool_says_more_than_the_pool():
    res = advantage_of(PROMPT, CAPPED, 101, (20, 0), pool=1000)
    status = stopping_status(res, size_limit=4000)
    assert status == {"status": "pool", "pool": 1000, "largest_size": 1000}
    assert status_text(status) == "more than the pool (1,000)"
    res["stopping"] = status
    assert "the answer is more than the pool holds" in advantage_text(res)


def test_the_size_limit_makes_it_a_bound_said_with_the_limit():
    res = advantage_of(PROMPT, CAPPED, 101, (20, 0), pool=5000)
    status = stopping_status(res, size_limit=1000)
    assert status == {"status": "limit", "limit": 1000, "largest_size": 1000}
    assert status_text(status) == "bound (size limit 1,000)"
    res["stopping"] = status
    assert "size limit (1,000 points) is reached, so this is a bound" in advantage_text(res)


def test_curves_with_no_shared_range_follow_the_rule_too():
    above = pd.concat([runs([10, 100], [0.90, 0.95], s) for s in (0, 1)])
    below = pd.concat([runs([10, 100], [0.40, 0.60], s) for s in (0, 1)])
    res = advantage_of(above, below, 101, (20, 0), pool=5000)
    assert res["advantage"] is None and res["bound"]["at_least"] == 90.0
    assert stopping_status(res) == {"status": "continue", "next_size": 200, "largest_size": 100}
    mirror = advantage_of(below, above, 101, (20, 0), pool=5000)
    assert stopping_status(mirror) == {"status": "answer"}  # the head wins from its first point


def test_a_baseline_passing_the_prompts_best_is_said_as_the_answer_not_a_next_size():
    """The curves cross: the baseline's best passes the prompt's, so the advantage covers the
    prompt's whole range; the report must not name a next size to try (as TREC-10's v2 grid
    first did at 1,000 points)."""
    passing = pd.concat([runs([10, 500, 1000], [0.40, 0.80, 0.95], s) for s in (0, 1)])
    res = advantage_of(PROMPT, passing, 101, (20, 0), pool=5000)
    assert "at_most" in res["truncation"]
    res["stopping"] = stopping_status(res)
    text = advantage_text(res)
    assert "next size" not in text
    assert text.endswith("the advantage covers the prompt's whole range, and this is the answer")
    head = {"comparison": "prompt/rank vs head_full/argmax", **res}
    assert "under protocol v2's stopping rule the advantage above is the answer." in (
        cap_sentence(head, "prompt/rank", "head_full/argmax")
    )
    del res["stopping"]  # a v1 summary: the next size, as its report said
    assert advantage_text(res).endswith("2,000 points is the protocol's next size to try")


def test_an_answer_says_how_often_the_test_row_draws_leave_the_baseline_below():
    rows = {"low": 53.0, "high": 186.0, "stable": True, "capped_share": 0.39}
    assert rows_capped_text(rows) == (
        " (in 39% of those draws the baseline's best stays below the prompt's: there the figure "
        "covers only the accuracies both reach)"
    )
    assert rows_capped_text({**rows, "capped_share": 0.0}) == ""
    res = {"advantage": 130.1, "loo_std": 8.9, "bootstrap_rows": rows, "truncation": None}
    assert "[53, 186] (in 39% of those draws the baseline's best stays below" in (
        advantage_text(res)
    )
