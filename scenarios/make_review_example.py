"""Regenerate the review example: review_team.csv, review_actuals.csv, review_truth.json.

    .venv/bin/python scenarios/make_review_example.py

The actuals come from the simulator run on a known "true" model (see
``planlab/example_actuals.py`` and the ground truth it writes), with a few
messy rows for the review's validation to catch.
"""

from pathlib import Path

from planlab.review.example_actuals import write_example

HERE = Path(__file__).resolve().parent

if __name__ == "__main__":
    # The roster is written first: the scenario reads it.
    paths = write_example(HERE, HERE / "key_account_baseline.toml")
    for kind, path in paths.items():
        print(f"wrote {kind}: {path.relative_to(HERE.parent)}")
