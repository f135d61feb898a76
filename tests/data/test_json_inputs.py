"""JSON and JSONL that users hand in: deep nesting, numbers past Python's conversion limit, FIFOs
and lone surrogates are refused naming the file and line; nothing but InputError ever escapes."""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from genbench.data.json_file import MAX_DEPTH, MAX_DIGITS, parse_json, read_json
from genbench.data.text_file import read_hypotheses
from genbench.errors import InputError
from test_store_hostile import refused

IDS = ("Ruth.1.1", "Ruth.1.2", "Ruth.1.3")
GOOD = [json.dumps({"id": i, "hypothesis": f"text {i}"}) for i in IDS]

HOSTILE_LINES = {
    "nested-arrays": "[" * 100_000 + "]" * 100_000,
    "nested-objects": '{"a":' * 50_000 + "1" + "}" * 50_000,
    "nested-unclosed": "[" * 1_000_000,
    "nested-in-hypothesis": '{"id": "Ruth.1.2", "hypothesis": ' + "[" * 5000 + "]" * 5000 + "}",
    "long-integer": '{"id": "Ruth.1.2", "hypothesis": "x", "n": ' + "9" * 5000 + "}",
    "long-negative": '{"id": "Ruth.1.2", "hypothesis": "x", "n": -' + "1" * 5000 + "}",
    "long-float-mantissa": '{"id": "Ruth.1.2", "hypothesis": "x", "n": 1.' + "0" * 5000 + "}",
    "surrogate-escape": '{"id": "Ruth.1.2", "hypothesis": "bad \\udcff text"}',
}


@pytest.mark.parametrize("case", sorted(HOSTILE_LINES))
def test_hostile_jsonl_lines_are_refused_with_file_and_line(tmp_path, case):
    path = tmp_path / "h.jsonl"
    path.write_text("\n".join([GOOD[0], HOSTILE_LINES[case], GOOD[2]]) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"h\.jsonl, line 2"):
        read_hypotheses(path, IDS)


def test_digits_inside_strings_are_no_number(tmp_path):
    path = tmp_path / "h.jsonl"
    rows = [json.dumps({"id": i, "hypothesis": "7" * 6000}) for i in IDS]
    path.write_text("\n".join(rows), encoding="utf-8")
    assert read_hypotheses(path, IDS) == ["7" * 6000] * 3


def test_a_fifo_named_like_a_hypotheses_file_is_refused_without_hanging(tmp_path):
    fifo = tmp_path / "h.jsonl"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="h.jsonl"):
        read_hypotheses(fifo, IDS)
    with pytest.raises(InputError, match="FIFO"):
        read_json(fifo)


def test_limits_sit_where_genbench_s_own_files_never_reach():
    assert parse_json("[" * MAX_DEPTH + "]" * MAX_DEPTH, "f") is not None
    with pytest.raises(InputError, match="nested more than"):
        parse_json("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), "f")
    assert parse_json("9" * MAX_DIGITS, "f") == int("9" * MAX_DIGITS)
    with pytest.raises(InputError, match=f"{MAX_DIGITS + 1:,} digits"):
        parse_json("9" * (MAX_DIGITS + 1), "f")


def test_the_line_of_a_problem_counts_from_the_document_s_first_line():
    with pytest.raises(InputError, match="f, line 3"):
        parse_json('[1,\n2,\n' + "[" * 100 + "]" * 100 + "]", "f")
    with pytest.raises(InputError, match="f, line 12"):
        parse_json("{nope", "f", first_line=12)


JSON_TEXT = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=5)),
                         lambda children: st.one_of(st.lists(children, max_size=4),
                                                    st.dictionaries(st.text(max_size=3), children, max_size=4)),
                         max_leaves=30).map(json.dumps)


@settings(max_examples=300, deadline=None)
@given(st.one_of(JSON_TEXT, st.text(alphabet='[]{}"0123456789.,:-eE\\ ntrufalsx', max_size=300)))
def test_parse_json_raises_nothing_but_input_error(text):
    try:
        parse_json(text, "f.json")
    except InputError as exc:
        assert str(exc).startswith("f.json")


@pytest.mark.parametrize("case", ["nested-arrays", "long-integer", "surrogate-escape"])
def test_eval_refuses_hostile_jsonl_without_storing(tmp_path, cli, capsys, case):
    from genbench.data.bible import load_corpus

    ids = load_corpus("test").ids
    rows = [json.dumps({"id": i, "hypothesis": "x"}) for i in ids]
    rows[1] = HOSTILE_LINES[case].replace("Ruth.1.2", ids[1])
    path = tmp_path / "h.jsonl"
    path.write_text("\n".join(rows), encoding="utf-8")
    store = tmp_path / "r.sqlite"
    refused(cli("eval", "--task", "text/translate-es-en", "--samples", path, "--name", "v", "--store", store),
            capsys, "h.jsonl, line 2")
    assert not store.exists()
