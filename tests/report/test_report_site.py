"""`genbench report` and `compare --html`: deterministic files, escaped names, grids that are the
scored samples, a Pareto front that is one, and refusals that leave nothing half-written."""

from __future__ import annotations

import io
from pathlib import Path

import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from genbench.report.site.output import MARKER
from genbench.report.site.plots import Point, pareto_front
from genbench.scoring.exhibits import GAP_PX, grid_png
from report_fixtures import report_site, report_store  # noqa: F401 (fixtures)
from site_store import DIGITS, LPIPS_REASON, XSS


def _files(site: Path) -> dict[str, bytes]:
    return {str(p.relative_to(site)): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def test_same_store_same_bytes(report_store, report_site, tmp_path, cli):
    again = tmp_path / "again"
    assert cli("report", "--store", report_store, "--out", again) == 0
    assert _files(again) == _files(report_site)
    # 4 models' and the vendor's digits grids; recon: 1 + its inputs
    assert len([p for p in _files(again) if p.endswith(".png")]) == 7


def test_names_and_reasons_are_escaped(report_site):
    pages = {p.name: p.read_text(encoding="utf-8") for p in report_site.glob("*.html")}
    digits = next(text for name, text in pages.items() if name.startswith("images-digits-") and "recon" not in name)
    assert XSS not in digits and "&lt;script&gt;alert(1)&lt;/script&gt;" in digits
    recon = next(text for name, text in pages.items() if "recon" in name)
    assert "&lt;not here&gt; &amp; nowhere else" in recon
    assert all(text.count("<script") == 1 for text in pages.values())


def test_index_lists_suites_tasks_and_runs(report_site):
    index = (report_site / "index.html").read_text(encoding="utf-8")
    for text in ("images/digits", "images/digits-recon", "text/translate-es-en", "cfg-images", "cfg-vendor"):
        assert text in index
    assert index.index(">images<") < index.index(">text<")


def test_translations_side_by_side(report_site):
    page = next(report_site.glob("text-translate-*.html")).read_text(encoding="utf-8")
    assert "Ruth.1.1" in page and "copy-source" in page
    # copy-source's translation is its Spanish source: the same text appears in both columns.
    assert page.count("en los días que gobernaban los jueces") == 2


def test_a_grid_is_the_first_64_scored_samples(tmp_path, quick_options):
    """The run stores the grid; the report shows the stored bytes; they are the model's first 64
    outputs with the run's seed, drawn again here through the kind's own model_outputs."""
    from dataclasses import replace

    from genbench.kinds import kind_of
    from genbench.models.sources import load_model
    from genbench.report.site.build import build_report
    from genbench.runner import evaluate_pair
    from genbench.scoring.context import Context
    from genbench.store import write_run
    from genbench.tasks.spec import TASKS

    task, options = TASKS.get("images/digits"), replace(quick_options, seed=7)
    result = evaluate_pair(task, load_model("real-train", torch.device("cpu")), options)
    (grid,) = result.exhibits
    assert (grid.name, grid.media_type, grid.meta) == ("outputs", "image/png", {"count": 64, "of": 450, "ranks": 1})
    ctx = Context(task, load_model("real-train", torch.device("cpu")), options, task.load_data(options.data))
    drawn, first = [], kind_of(task.protocol).model_outputs(ctx)
    while sum(map(len, drawn)) < 64:
        drawn.append(next(first)[1])
    expected = torch.cat(drawn)[:64]
    assert grid.body == grid_png(expected)
    sheet = Image.open(io.BytesIO(grid.body))
    tile = 32 + GAP_PX  # 8×8 digits enlarged 4×
    assert sheet.getpixel((GAP_PX + 12, 7 * tile + GAP_PX + 20)) == round(float(expected[56, 0, 5, 3]) * 255)
    store = tmp_path / "r.sqlite"
    write_run(store, "run", 7, "cfg", {}, result.scores, exhibits=result.exhibits)
    build_report(store, tmp_path / "site")
    (png,) = (tmp_path / "site" / "img").rglob("model-real-train-*.png")
    assert png.read_bytes() == grid.body


def test_a_version_1_store_reports_outputs_not_stored(report_store, tmp_path, cli):
    """A store written before exhibits existed: read as it is, untouched, its pages say so."""
    import hashlib
    import shutil
    import sqlite3

    old = tmp_path / "v1.sqlite"
    shutil.copy(report_store, old)
    with sqlite3.connect(old) as db:
        db.execute("DROP TABLE exhibits")
        db.execute("DROP TABLE exhibit_bodies")
        db.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    db.close()
    before = hashlib.sha256(old.read_bytes()).hexdigest()
    assert cli("report", "--store", old, "--out", tmp_path / "site") == 0
    assert cli("leaderboard", "--store", old) == 0
    assert hashlib.sha256(old.read_bytes()).hexdigest() == before
    page = next((tmp_path / "site").glob("images-digits-*.html")).read_text(encoding="utf-8")
    assert page.count("outputs not stored with this run") == len(DIGITS) and "sample-grid" not in page
    assert not list((tmp_path / "site").rglob("*.png"))


def test_grid_png_holds_the_pixels():
    images = torch.rand(10, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    sheet = Image.open(io.BytesIO(grid_png(images)))
    tile = 32 + GAP_PX  # 8×8 enlarged 4×
    assert sheet.size == (8 * tile + GAP_PX, 2 * tile + GAP_PX)
    # Image 9 is the second row's first tile; its top-left pixel is image 9's pixel (0, 0).
    assert sheet.getpixel((GAP_PX, tile + GAP_PX)) == round(float(images[8, 0, 0, 0]) * 255)


def test_refuses_a_folder_it_did_not_write(report_store, tmp_path, cli):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    assert cli("report", "--store", report_store, "--out", out) == 2
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


def test_replaces_an_earlier_report_whole(report_store, tmp_path, cli):
    out = tmp_path / "site"
    assert cli("report", "--store", report_store, "--out", out) == 0
    (out / "stale.html").write_text("old")
    assert cli("report", "--store", report_store, "--task", "images/digits-recon", "--out", out) == 0
    assert not (out / "stale.html").exists() and (out / MARKER).is_file()
    assert [p.name for p in out.glob("*.html")] == ["index.html", next(out.glob("images-digits-recon-*")).name]
    assert [p.name for p in tmp_path.iterdir()] == ["site"]  # no staging folder left behind


def test_selection_options(report_store, tmp_path, cli):
    assert cli("report", "--store", report_store, "--suite", "images", "--task", "images/digits",
               "--out", tmp_path / "a") == 2
    assert cli("report", "--store", report_store, "--run", "no-such-run", "--out", tmp_path / "b") == 2
    assert cli("report", "--store", tmp_path / "missing.sqlite", "--out", tmp_path / "c") == 2
    assert not any((tmp_path / name).exists() for name in "abc")


def test_run_selection(report_store, tmp_path, cli):
    from genbench.store import Store

    with Store(report_store, readonly=True) as db:
        vendor = next(s.run_id for s in db.latest_scores() if s.score.model == XSS)
    out = tmp_path / "vendor"
    assert cli("report", "--store", report_store, "--run", vendor, "--out", out) == 0
    page = next(out.glob("images-digits-*.html")).read_text(encoding="utf-8")
    assert page.count('class="model-row"') == 1 and "cfg-vendor" in page


def test_unavailable_metric_keeps_its_reason(report_site):
    page = next(report_site.glob("images-digits-recon-*.html")).read_text(encoding="utf-8")
    assert 'class="unavailable">unavailable' in page and "lpips · vae" in page
    assert LPIPS_REASON.split("<")[0] in page


def _dominated(p: Point, points: list[Point]) -> bool:
    return any(q.cost >= p.cost and q.quality <= p.quality and (q.cost > p.cost or q.quality < p.quality)
               for q in points)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 6), st.integers(1, 6)), min_size=1, max_size=12))
def test_pareto_front_is_a_sweep(raw):
    """Against the textbook sweep: by throughput descending, keep each point better than all faster ones."""
    points = [Point(f"m{i}", float(c), float(q)) for i, (c, q) in enumerate(raw)]
    front = pareto_front(points, higher_is_better=False)
    sweep, best = [], float("inf")
    for cost in sorted({p.cost for p in points}, reverse=True):
        at = [p for p in points if p.cost == cost]
        top = min(p.quality for p in at)
        if top < best:
            sweep += [p for p in at if p.quality == top]
            best = top
    assert sorted(p.model for p in front) == sorted(p.model for p in sweep)
    assert all(not _dominated(p, points) for p in front)


def test_pareto_front_with_a_target():
    points = [Point("long", 100.0, 1.3), Point("short", 10.0, 0.95), Point("slow-long", 5.0, 1.5)]
    assert [p.model for p in pareto_front(points, higher_is_better=False, target=1.0)] == ["short", "long"]


def test_compare_html(tmp_path, cli):
    base, cand = tmp_path / "base.csv", tmp_path / "cand.csv"
    header = "task,model,metric,value,ci_low,ci_high,n,higher_is_better,signature\n"
    sig = "task:t@1|data:d|metric:fid|impl:x-1|n:100|seed:0"
    base.write_text(header + f"t,a,fid,10,9,11,100,False,{sig}\nt,{XSS},fid,10,9,11,100,False,{sig}\n")
    cand.write_text(header + f"t,a,fid,10.1,9.1,11.1,100,False,{sig}\nt,{XSS},fid,30,29,31,100,False,{sig}\n")
    html = tmp_path / "compare.html"
    assert cli("compare", base, cand, "--html", html) == 1
    text = html.read_text(encoding="utf-8")
    assert XSS not in text and text.count("<script") == 1
    assert text.index("verdict-row-worse") < text.index("verdict-row-same")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_whole_numbers_read_as_counts_on_both_sides_of_ten():
    from genbench.report.render import fmt

    assert [fmt(9.0), fmt(10.0), fmt(0.0), fmt(250.0)] == ["9", "10", "0", "250"]
    assert [fmt(9.123), fmt(37.274), fmt(104.53), fmt(0.0123), fmt(12345.6)] == \
        ["9.12", "37.27", "104.5", "0.0123", "12,346"]
