"""Protocol v2's stopping rule, read off a comparison: is the curve long enough to answer?

Sizes grow (analysis/advantage.next_size) until one of three things ends the grid:
- an answer: the baseline's best run reaches the prompt's best, so the data advantage covers
  the prompt's whole accuracy range;
- the pool: the baseline already trained on every row there is, and still stops below: the
  answer is "more than the pool", said with the pool's size;
- the limit: the protocol's size limit (`report.size_limit`, what the compute allows) is
  reached: the number is a bound, said with the limit.
Otherwise the grid is unfinished and the rule names the size to run next.
"""

from __future__ import annotations


def stopping_status(comparison: dict, size_limit: int | None = None) -> dict:
    """Where a comparison (report.advantage_of's record) stands under the stopping rule:
    {"status": "answer" | "pool" | "limit" | "continue" | "undefined", ...} with the pool, the
    limit or the next size."""
    cut = comparison.get("truncation") or {}
    bound = comparison.get("bound") or {}
    capped = cut if "at_least" in cut else bound if "at_least" in bound else None
    if capped is None:
        if comparison.get("advantage") is None and "at_most" not in bound:
            return {"status": "undefined"}
        return {"status": "answer"}
    # A bound written before the rule may lack its largest size: then only the next size is known.
    largest, pool = capped.get("largest_size", 0), capped.get("pool")
    if pool is not None and largest >= pool:
        return {"status": "pool", "pool": int(pool), "largest_size": int(largest)}
    if size_limit is not None and largest >= size_limit:
        return {"status": "limit", "limit": int(size_limit), "largest_size": int(largest)}
    following = capped.get("next_size")
    if following is not None and size_limit is not None:
        following = min(following, size_limit)
    return {
        "status": "continue",
        "next_size": None if following is None else int(following),
        "largest_size": int(largest),
    }


def status_text(status: dict) -> str:
    """The cross-task table's word for it: `answer`, `more than the pool (1,325)`,
    `bound (size limit 1,000)`, `bound (unfinished: 2,000 next)`."""
    kind = status["status"]
    if kind == "answer":
        return "answer"
    if kind == "pool":
        return f"more than the pool ({status['pool']:,})"
    if kind == "limit":
        return f"bound (size limit {status['limit']:,})"
    if kind == "continue":
        following = status.get("next_size")
        return f"bound (unfinished: {following:,} next)" if following else "bound (unfinished)"
    return "undefined"
