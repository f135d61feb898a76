"""A task declared once in genbench.toml / [tool.genbench.tasks.NAME] is a named task for run,
eval, leaderboard and compare, so a team's CI gates on its own images."""

from __future__ import annotations

import json
import shutil

import pytest

from image_folders import write_images
from genbench.tasks import spec
from genbench.tasks import config as declared


@pytest.fixture(autouse=True)
def fresh_registries(monkeypatch):
    """Declared tasks register globally; each test starts from genbench's own."""
    monkeypatch.setattr(spec.TASKS, "_targets", dict(spec.TASKS._targets))
    monkeypatch.setattr(spec.TASKS, "_loaded", dict(spec.TASKS._loaded))
    monkeypatch.setattr(spec, "SUITES", dict(spec.SUITES))
    monkeypatch.setattr(declared, "SUITES", spec.SUITES)
    monkeypatch.setattr(declared, "SUITE_BASELINES", dict(spec.SUITE_BASELINES))
    monkeypatch.setattr(declared, "_registered", {})


@pytest.fixture
def team(tmp_path, monkeypatch):
    write_images(tmp_path / "data" / "real", 36, seed=1)
    write_images(tmp_path / "vendor-a", 36, seed=2)
    write_images(tmp_path / "vendor-b", 36, seed=3, mean=200)
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "team"\n\n'
        '[tool.genbench.tasks.shots]\nreference = "data/real"\nfeatures = "tiny-rgb"\nimage_size = 32\n'
        'samples = 40\nsuite = "team"\n')
    monkeypatch.chdir(tmp_path)
    return tmp_path


def fid(path):
    return {s["model"]: s for s in json.loads(path.read_text()) if s["metric"] == "fid"}


def test_a_declared_task_serves_eval_run_leaderboard_and_compare(team, cli, capsys):
    assert cli("eval", "--task", "shots", "--samples", "vendor-a", "--name", "vendor-a", "--store", "s.sqlite",
               "--json", "a.json") == 0
    assert cli("eval", "--task", "shots", "--samples", "vendor-b", "--name", "vendor-b", "--store", "s.sqlite",
               "--json", "b.json") == 0
    a, b = fid(team / "a.json")["vendor-a"], fid(team / "b.json")["vendor-b"]
    assert a["value"] < b["value"]  # the closer distribution wins
    assert a["signature"].startswith("task:shots@2|")
    assert cli("run", "--suite", "team", "--model", "rgb_models:grey_noise", "--store", "s.sqlite",
               "--json", "r.json") == 0
    assert fid(team / "r.json")["rgb_models:grey_noise"]["n"] == 40
    capsys.readouterr()
    assert cli("leaderboard", "--task", "shots", "--store", "s.sqlite", "--format", "csv") == 0
    board = capsys.readouterr().out
    assert all(name in board for name in ("vendor-a", "vendor-b", "rgb_models:grey_noise"))
    assert cli("eval", "--task", "shots", "--samples", "vendor-a", "--name", "vendor-a", "--store", "s.sqlite",
               "--json", "a2.json") == 0
    assert cli("compare", "a.json", "a2.json") == 0  # the same outputs again: no regression


def test_a_changed_reference_folder_is_never_compared_as_the_same_data(team, cli, capsys):
    assert cli("eval", "--task", "shots", "--samples", "vendor-a", "--name", "vendor-a", "--json", "a.json",
               "--store", "s.sqlite") == 0
    shutil.copy(team / "vendor-b" / "part0" / "0000.png", team / "data" / "real" / "extra.png")
    assert cli("eval", "--task", "shots", "--samples", "vendor-a", "--name", "vendor-a", "--json", "a2.json",
               "--store", "s.sqlite") == 0
    assert fid(team / "a.json")["vendor-a"]["signature"] != fid(team / "a2.json")["vendor-a"]["signature"]
    assert cli("compare", "a.json", "a2.json") == 3  # not comparable


@pytest.mark.parametrize("body, needle", [
    ('[tool.genbench.tasks.shots]\nreference = "data/real"\nfeatrues = "x"\n', "unknown key(s) 'featrues'"),
    ('[tool.genbench.tasks.shots]\nfeatures = "tiny-rgb"\n', "needs a reference"),
    ('[tool.genbench.tasks.shots]\nreference = "data/real"\nimage_size = 3\n', "image_size must be between"),
    ('[tool.genbench.tasks.shots]\nreference = "data/real"\nsamples = true\n', "samples must be int"),
    ('[tool.genbench.tasks.shots]\nreference = "data/real"\nresize = "nearest"\n', "resize must be one of"),
    ('[tool.genbench.tasks."images/digits"]\nreference = "data/real"\n', "already a task of genbench"),
    ('[tool.genbench.tasks.shots]\nreference = "data/real"\nsuite = "images"\n', "one of genbench's own suites"),
    ('[tool.genbench]\ntasks = 3\n', "tasks entries must be tables"),
])
def test_a_bad_declaration_is_refused_naming_the_file_and_the_task(team, cli, capsys, body, needle):
    (team / "pyproject.toml").write_text(body)
    assert cli("eval", "--task", "shots", "--samples", "vendor-a", "--name", "v", "--store", "s.sqlite") == 2
    err = " ".join(capsys.readouterr().err.split())
    assert needle in err and "pyproject.toml" in err
    assert not (team / "s.sqlite").exists()
