"""Rich markup in anything a user names (models, --name, files, signatures) is shown as text:
never a MarkupError, never a style applied."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from conftest import write_folder, digits_images
from genbench.report.compare import Comparison
from genbench.report.compare_render import to_rich as compare_table
from genbench.report.leaderboard import build_boards
from genbench.report.render import to_rich
from genbench.validate import label_problem
from test_signature_store import score

MARKUP = ["[/]", "[bold]x[/bold]", "[/bold]", "[link=file:///etc/passwd]click[/link]", "a\\", "[red]",
          "\\[x]", "[[/]]", "[@click=app.quit]q[/]", "[#ff0000 on black]x", ":warning: [b]"]


def rendered(renderable) -> str:
    out = io.StringIO()
    Console(file=out, width=400, color_system=None, emoji=False).print(renderable)
    return out.getvalue()


# Pieces of rich markup, glued at random: tags, closers, escapes, links, styles, emoji codes.
MARKUP_LABELS = st.lists(st.sampled_from(["[", "]", "/", "\\", "bold", "link=", "x", " ", "#f00", "@click",
                                          "=", ":warning:", "[/]", "[b]"]), min_size=1, max_size=12
                         ).map("".join).filter(lambda s: label_problem(s) is None)
ANY_LABELS = st.text(min_size=1, max_size=40).filter(lambda s: label_problem(s) is None)


@settings(max_examples=300, deadline=None)
@given(MARKUP_LABELS)
def test_any_markup_in_a_label_is_shown_literally_on_a_board(label):
    out = rendered(to_rich(build_boards([score(label, 1.0), score("ref", 2.0)]))[0])
    assert label in out


@settings(max_examples=200, deadline=None)
@given(ANY_LABELS)
def test_any_printable_label_renders_on_a_board(label):
    assert "ref" in rendered(to_rich(build_boards([score(label, 1.0), score("ref", 2.0)]))[0])


@pytest.mark.parametrize("label", MARKUP)
def test_markup_in_a_model_name_is_shown_literally(label):
    boards = to_rich(build_boards([score(label, 1.0)]))
    assert f"#1 {label}" in rendered(boards[0])


@pytest.mark.parametrize("text", MARKUP)
def test_markup_in_compare_names_and_reasons_is_shown_literally(text):
    c = Comparison("images/digits", text, "fid", "incomparable", 1.0, 2.0, None, None, f"signatures differ in {text}")
    out = rendered(compare_table([c]))
    assert text in out and f"signatures differ in {text}" in out


@pytest.mark.parametrize("name", ["[/]", "[bold]vendor[/bold]", "x[link=https://example.com]y"])
def test_eval_with_a_markup_name_runs_and_stores_it_literally(tmp_path, cli, capsys, name):
    folder = write_folder(tmp_path / "s", digits_images(20))
    store = tmp_path / "r.sqlite"
    assert cli("eval", "--task", "images/digits", "--samples", folder, "--name", name, "--store", store) == 0
    captured = capsys.readouterr()
    assert f"#1 {name}" in captured.out
    assert cli("leaderboard", "--store", store, "--format", "csv") == 0
    assert f",{name}," in capsys.readouterr().out


@pytest.mark.parametrize("folder", ["[/]missing", "[bold]gone[/]", "end\\"])
def test_markup_in_a_file_name_inside_an_error_is_shown_literally(tmp_path, cli, capsys, folder):
    code = cli("eval", "--task", "images/digits", "--samples", tmp_path / folder, "--name", "v",
               "--store", tmp_path / "r.sqlite")
    err = " ".join(capsys.readouterr().err.split())
    assert code == 2 and folder in err and "MarkupError" not in err
