"""Any series a metric can send: both judges answer with a Kayenta label and plain JSON, never an
exception or a warning (warnings are errors in this suite), and augur-v1 answers the same twice."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from app.judge import AUGUR_JUDGE, JUDGES, judge, parse_canary_config, parse_pairs
from app.judge.outcome import LABELS
from tests.judge.samples import config, metric, pair

#: Few distinct values, so ties, constant series and zero-inflation come up often.
POINT = st.one_of(
    st.sampled_from([0.0, 0.0, 1.0, 2.0, -1.0, 1e-9, 1e9]),
    st.floats(-1e6, 1e6, allow_nan=False),
    st.just("NaN"),
    st.none(),
)
SERIES = st.lists(POINT, min_size=0, max_size=25)
CANARY = st.fixed_dictionaries(
    {},
    optional={
        "direction": st.sampled_from(["increase", "decrease", "either"]),
        "nanStrategy": st.sampled_from(["remove", "replace"]),
        "dataType": st.sampled_from(["auto", "continuous", "rate", "count"]),
        "spread": st.booleans(),
        "critical": st.booleans(),
        "outliers": st.just({"strategy": "remove"}),
        "effectSize": st.just({"measure": "cles"}),
    },
)


@settings(max_examples=300, deadline=None)
@given(
    control=SERIES,
    experiment=SERIES,
    canary=CANARY,
    judge_name=st.sampled_from(JUDGES),
)
def test_any_series_gets_a_label_and_plain_json(
    control: list[Any], experiment: list[Any], canary: dict[str, Any], judge_name: str
) -> None:
    parsed = parse_canary_config(config(judge_name, metric("m", **canary)))
    pairs = parse_pairs([pair("m", {"control": control, "experiment": experiment})])
    document = judge(parsed, pairs, pass_threshold=95, marginal_threshold=75)
    [result] = document["results"]
    assert result["classification"] in LABELS
    json.dumps(document, allow_nan=False)  # NaN and infinities already written as text
    if judge_name == AUGUR_JUDGE:
        assert judge(parsed, pairs, pass_threshold=95, marginal_threshold=75) == document
