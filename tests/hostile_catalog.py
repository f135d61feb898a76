"""The cases of the hostile-input corpus, by command (see hostile_cases for the building blocks)."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

from hostile import DAMAGED_PNGS, set_schema_version, tamper
from hostile_models import CALLS, EXTRA_TEXTS, IMAGE_LOG_PROB, IMAGES, LOG_PROBS, RAISES, TEXTS, spec
from hostile_cases import (ACCEPT, BAD_NAMES, INCOMPARABLE, INTERRUPTED, MARKUP_NAMES, PICKLES, Case, corpus_copy, digits_folder,
                           fifo, flip_bytes, good_base, good_png, inflation_bomb, module_file, one_run_store, paired_folder,
                           pickle_file, score_row, steps, store_with, truncate, write)

RUN = ("run", "--no-baselines", "--store", "{d}/r.sqlite")
EVAL = ("eval", "--task", "images/digits", "--store", "{d}/r.sqlite")
RECON = ("eval", "--task", "images/digits-recon", "--store", "{d}/r.sqlite", "--name", "v", "--samples", "{d}/s")
TEXT = ("eval", "--task", "text/translate-es-en", "--store", "{d}/r.sqlite", "--name", "v")


def run_cases() -> list[Case]:
    seeds = {"2^32": str(2**32), "2^63": str(2**63), "2^64": str(2**64), "1e30": "1e30", "-1": "-1", "abc": "abc", "1.5": "1.5",
             "empty": "", "hex": "0x10", "10^400": str(10**400)}
    cases = [Case("run", f"seed-{key}", (*RUN, "--model", "toy_models:noisy", "--seed", s)) for key, s in seeds.items()]
    cases += [Case("run", f"device-{d or 'empty'}", (*RUN, "--model", "toy_models:noisy", "--device", d))
              for d in ("bogus", "", " ", "meta", "cpu:3", "cuda:99", "xla", "cuda", "mps", "cpu\n", "cuda:-1")]
    models = {"unknown-name": "pixelcn", "no-module": "nosuchmodule_xyz:load", "no-attr": "toy_models:nope",
              "colon-only": ":", "empty-module": ":load", "empty-attr": "toy_models:", "dotted-nonsense": "..:x",
              "loader-raises": "toy_models:broken_loader", "loader-exits": "toy_models:exits_in_load",
              "loader-base-exception": "toy_models:base_exception_in_load", "no-capability": "toy_models:nothing",
              "shadows-baseline": "toy_models:shadowing", "name-str-raises": "toy_models:bad_str_name",
              "name-surrogate": "toy_models:surrogate_named", "name-newline": "toy_models:newline_named",
              "import-exits": "exits_on_import:load", "import-raises": "raises_on_import:load",
              "import-syntax-error": "syntax_error_module:load", "getattr-raises": "getattr_raises:model",
              "class-not-instance": "toy_models:NoisySampler", "empty-spec": ""}
    modules = steps(write("exits_on_import.py", "import sys\nsys.exit(0)\n"),
                    write("raises_on_import.py", "raise RuntimeError('at import')\n"),
                    write("syntax_error_module.py", "def load(:\n"),
                    write("getattr_raises.py", "class M:\n    def __getattr__(self, n):\n        raise ValueError(n)\n"
                                               "model = M()\n"))
    cases += [Case("run", f"model-{name}", (*RUN, "--model", spec), modules) for name, spec in models.items()]
    cases += [Case("run", "suite-unknown", (*RUN, "--suite", "nope", "--model", "toy_models:noisy")),
              Case("run", "features-unknown", (*RUN, "--model", "toy_models:noisy", "--features", "bogus")),
              Case("run", "features-inception-no-weights", (*RUN, "--model", "toy_models:noisy", "--features",
                                                            "inception", "--weights-dir", "{d}/w")),
              Case("run", "json-in-missing-folder", (*RUN, "--model", "toy_models:noisy", "--json", "{d}/no/x.json")),
              Case("run", "json-is-a-folder", (*RUN, "--model", "toy_models:noisy", "--json", "{d}"), store="r.sqlite"),
              Case("run", "text-corpus-dir-missing", (*RUN, "--suite", "text", "--model", "toy_models:echo",
                                                      "--corpus-dir", "{d}/nowhere")),
              Case("run", "markup-model-name", (*RUN, "--model", "toy_models:markup_named"), expect=ACCEPT,
                   literal="[bold]vendor[/] [/]x[link=file:///etc]")]
    return cases


def model_cases() -> list[Case]:
    """A user's model misbehaving in a task's call, for every task kind: raising (BaseExceptions
    too), returning what is not an answer, or doing either only at batch size 1 (the cost step)."""
    every_image_fault = ("sample", "reconstruct")
    some_raises = ("base-exception", "system-exit-0", "generator-exit", "keyboard-interrupt")
    some_images = ("meta", "none", "uint8", "bool", "nan", "one-short", "poisoned-subclass")
    chosen = {call: (tuple(RAISES) + tuple(IMAGES) if call in every_image_fault else some_raises + some_images)
              for call in ("sample", "sample_labels", "reconstruct", "stylize")}
    chosen |= {"log_prob": ("base-exception", "system-exit-0", *IMAGE_LOG_PROB),
               "translate": (*some_raises, *TEXTS, *EXTRA_TEXTS), "sample_translations": ("base-exception", "none"),
               "text_log_prob": (*some_raises, *LOG_PROBS)}
    at_one = {"sample": ("base-exception", "system-exit-0", "meta"), "sample_labels": ("base-exception",),
              "reconstruct": ("base-exception", "meta"), "stylize": ("base-exception",),
              "translate": ("base-exception", "system-exit-0", "none")}
    cases = []
    for call, faults in chosen.items():
        for fault in faults:
            expect = INTERRUPTED if fault == "keyboard-interrupt" else ACCEPT if fault in EXTRA_TEXTS else "refuse"
            cases.append(Case("run", f"{call}-{fault}", (*RUN, "--suite", CALLS[call][1], "--model", spec(call, fault)),
                              one_run_store_at, expect=expect))
    cases += [Case("run", f"{call}-{fault}-at-batch-1", (*RUN, "--suite", CALLS[call][1], "--model",
                                                         spec(call, fault, at_one=True)), one_run_store_at)
              for call, faults in at_one.items() for fault in faults]
    loaders = {"load-exits-1": ("images", "load_exits_1", "refuse"),
               "load-interrupted": ("images", "load_interrupted", INTERRUPTED),
               "load-unprintable-exception": ("images", "load_unprintable", "refuse"),
               "load-generator-exit": ("images", "load_generator_exit", "refuse"),
               "capability-probe-exits": ("images", "probe_exits", "refuse"),
               "name-raises-base-exception": ("images", "name_raises", "refuse"),
               "parameters-raise": ("images", "parameters_raise", "refuse"),
               "tokenizer-exits": ("text", "tokenizer_exits", "refuse")}
    cases += [Case("run", f"model-{key}", (*RUN, "--suite", suite, "--model", f"hostile_models:{attr}"),
                   one_run_store_at, expect=expect) for key, (suite, attr, expect) in loaders.items()]
    return cases


def one_run_store_at(d: Path) -> None:
    """A store that already holds a run: a refusal must leave its bytes as they were."""
    one_run_store(d / "r.sqlite")


def eval_cases() -> list[Case]:
    samples = lambda d: digits_folder(d / "s")  # noqa: E731
    cases = [Case("eval", f"name-{key}", (*EVAL, "--samples", "{d}/s", "--name", name), samples)
             for key, name in BAD_NAMES.items()]
    cases += [Case("eval", f"markup-name-{key}", (*EVAL, "--samples", "{d}/s", "--name", name), samples,
                   expect=ACCEPT, literal=f"#1 {name}") for key, name in MARKUP_NAMES.items()]
    png = lambda name, data: steps(samples, write(f"s/{name}", data))  # noqa: E731
    cases += [Case("eval", f"png-{damage}", (*EVAL, "--samples", "{d}/s", "--name", "v"),
                   png("00007.png", DAMAGED_PNGS[damage](good_png()))) for damage in sorted(DAMAGED_PNGS)]
    odd = {"fifo": steps(samples, fifo("s/x.png")),
           "link-to-fifo": steps(samples, fifo("pipe"), lambda d: (d / "s/x.png").symlink_to(d / "pipe")),
           "folder-named-png": steps(samples, lambda d: (d / "s/x.png").mkdir()),
           "dangling-link": steps(samples, lambda d: (d / "s/x.png").symlink_to(d / "missing")),
           "link-loop": steps(samples, lambda d: (d / "s/x.png").symlink_to(d / "s/x.png")),
           "pickle-as-png": steps(samples, pickle_file("s/x.png", "torch-zip")),
           "raw-pickle-as-png": steps(samples, pickle_file("s/x.png", "raw-pickle")),
           "text-as-png": png("x.png", "hello"),
           "empty-folder": lambda d: (d / "s").mkdir(),
           "samples-is-a-file": write("s", "not a folder"),
           "samples-missing": None,
           "samples-fifo": fifo("s")}
    cases += [Case("eval", f"samples-{key}", (*EVAL, "--samples", "{d}/s", "--name", "v"), setup)
              for key, setup in odd.items()]
    cases += _paired_cases() + _image_format_cases() + _text_cases()
    cases.append(Case("eval", "task-unknown", ("eval", "--task", "images/nope", "--samples", "{d}/s", "--name", "v",
                                               "--store", "{d}/r.sqlite"), samples))
    return cases


def _paired_cases() -> list[Case]:
    def clash(pattern: str):
        def setup(d: Path) -> None:
            folder = paired_folder(d / "s")
            first = sorted(folder.iterdir())[0]  # digits-NNNN.png
            (folder / pattern.format(first.stem.split("-")[1])).write_bytes(first.read_bytes())
        return setup

    def replaced_by_fifo(d: Path) -> None:
        first = sorted(paired_folder(d / "s").iterdir())[0]
        first.unlink()
        os.mkfifo(first)

    def missing_one(d: Path) -> None:
        sorted(paired_folder(d / "s").iterdir())[0].unlink()

    return [Case("eval", "paired-case-clash-upper", RECON, clash("DIGITS-{}.png")),
            Case("eval", "paired-case-clash-title", RECON, clash("Digits-{}.png")),
            Case("eval", "paired-case-clash-extension", RECON, clash("digits-{}.PNG")),
            Case("eval", "paired-fifo-item", RECON, replaced_by_fifo),
            Case("eval", "paired-missing-item", RECON, missing_one),
            Case("eval", "paired-extra-item", RECON, steps(lambda d: paired_folder(d / "s"),
                                                          write("s/not-an-item.png", good_png())))]


def _image_format_cases() -> list[Case]:
    def pil(mode: str, size: tuple[int, int] = (8, 8)):
        def make(path: Path) -> None:
            from PIL import Image

            Image.new(mode, size).save(path, format="PNG")
        return make

    images = {"rgb": pil("RGB"), "rgba": pil("RGBA"), "palette": pil("P"), "16-bit": pil("I;16"),
              "one-bit": pil("1"), "grey-alpha": pil("LA"), "16x16": pil("L", (16, 16)),
              "1x1": pil("L", (1, 1)), "huge-canvas": pil("L", (4000, 4000))}
    return [Case("eval", f"image-{key}", (*EVAL, "--samples", "{d}/s", "--name", "v"),
                 steps(lambda d: digits_folder(d / "s"), write("s/x.png", make)))
            for key, make in images.items()]


def _text_cases() -> list[Case]:
    from genbench.data.bible import load_corpus

    ids = load_corpus("test").ids

    def jsonl(line_2: str):
        rows = [json.dumps({"id": i, "hypothesis": "x"}) for i in ids]
        rows[1] = line_2.replace("ID", ids[1])
        return write("h.jsonl", "\n".join(rows))

    lines = {"nested-arrays": "[" * 100_000 + "]" * 100_000,
             "nested-objects": '{"a":' * 50_000 + "1" + "}" * 50_000,
             "long-integer": '{"id": "ID", "hypothesis": "x", "n": ' + "9" * 5000 + "}",
             "long-negative": '{"id": "ID", "hypothesis": "x", "n": -' + "9" * 5000 + "}",
             "surrogate": '{"id": "ID", "hypothesis": "bad \\udcff"}',
             "not-an-object": "[1, 2]", "hypothesis-not-text": '{"id": "ID", "hypothesis": 5}',
             "unknown-id": '{"id": "Gen.1.1", "hypothesis": "x"}', "empty-line": "",
             "not-json": "{nope", "duplicate": json.dumps({"id": ids[0], "hypothesis": "x"})}
    cases = [Case("eval", f"jsonl-{key}", (*TEXT, "--samples", "{d}/h.jsonl"), jsonl(line))
             for key, line in lines.items()]
    files = {"empty": write("h.txt", ""), "short": write("h.txt", "one line\n"),
             "not-utf8": write("h.txt", b"\xff\xfe" + b"x\n" * (len(ids) - 1)),
             "fifo-txt": fifo("h.txt"), "folder-txt": lambda d: (d / "h.txt").mkdir(),
             "pickle-txt": pickle_file("h.txt", "raw-pickle"), "pickle-jsonl": pickle_file("h.jsonl", "torch-zip")}
    cases += [Case("eval", f"text-{key}", (*TEXT, "--samples", "{d}/" + ("h.jsonl" if "jsonl" in key else "h.txt")),
                   setup) for key, setup in files.items()]
    cases.append(Case("eval", "text-corpus-dir-damaged", (*TEXT, "--samples", "{d}/h.txt", "--corpus-dir", "{d}/sword"),
                      steps(write("h.txt", "x\n" * len(ids)),
                            corpus_copy(lambda root: truncate(module_file(root, "bzz"), 0.5)))))
    return cases


def compare_cases() -> list[Case]:
    cmp = lambda cand: ("compare", "{d}/base.json", cand, "--store", "{d}/r.sqlite")  # noqa: E731
    rows = lambda **changes: json.dumps([score_row(**changes)])  # noqa: E731
    fields = {"n-huge": {"n": 10**30}, "n-beyond-float": {"n": 10**400}, "n-negative": {"n": -1},
              "n-fraction": {"n": 2.5}, "n-text": {"n": "many"}, "n-list": {"n": [1]},
              "value-beyond-float": {"value": 10**400}, "value-object": {"value": {"a": 1}},
              "value-bool": {"value": True}, "model-list": {"model": ["vae"]}, "model-empty": {"model": ""},
              "model-newline": {"model": "va\ne"}, "model-surrogate": {"model": "\udcff"},
              "signature-number": {"signature": 7}, "items-beyond-float": {"items": [10**400] * 3},
              "items-nested": {"items": [[[1.0]]]}, "items-text": {"items": ["a", "b"]}}
    cases = [Case("compare", f"field-{key}", cmp("{d}/c.json"), steps(good_base, write("c.json", rows(**change))))
             for key, change in fields.items()]
    cases += [Case("compare", "field-value-infinite", cmp("{d}/c.json"),
                   steps(good_base, write("c.json", rows().replace("20.0,", "Infinity,", 1))))]
    unsigned = {"empty": "", "null": None, "garbage": "x", "no-fields": "|||", "seed-only": "seed:0"}
    cases += [Case("compare", f"signature-{key}", ("compare", "{d}/c.json", "{d}/c.json"),
                   write("c.json", rows(signature=sig)), expect=INCOMPARABLE) for key, sig in unsigned.items()]
    cases.append(Case("compare", "signature-empty-csv", ("compare", "{d}/c.csv", "{d}/c.csv"),
                      write("c.csv", "task,model,metric,value,ci_low,ci_high,n,signature\n"
                                     "images/digits,vae,fid,5.0,4,6,450,\n"), expect=INCOMPARABLE))
    documents = {"nested": "[" * 100_000 + "]" * 100_000, "long-number": '[{"n": ' + "9" * 5000 + "}]",
                 "unclosed": "[\n" + "[" * 2000, "bom": "\ufeff[]", "not-json": "{nope", "object": '{"a": 1}',
                 "list-of-numbers": "[1, 2]", "boards-malformed": '[{"rows": 5}]', "empty": "",
                 "missing-fields": '[{"task": "t"}]', "not-utf8": b"[\xff]"}
    cases += [Case("compare", f"document-{key}", cmp("{d}/c.json"), steps(good_base, write("c.json", text)))
              for key, text in documents.items()]
    cases += [Case("compare", f"pickle-{kind}-{name}", cmp("{d}/" + name), steps(good_base, pickle_file(name, kind)))
              for kind in PICKLES for name in ("c.json", "c.csv", "c")]
    csvs = {"huge-field": "task,model,metric,value,signature\n" + "a," * 4 + "x" * 200_000 + "\n",
            "value-text": "task,model,metric,value,signature\nt,m,psnr,abc,x\n",
            "missing-columns": "task,model\nt,m\n", "not-utf8": b"task,model\n\xff,\xfe\n"}
    cases += [Case("compare", f"csv-{key}", cmp("{d}/c.csv"), steps(good_base, write("c.csv", text)))
              for key, text in csvs.items()]
    places = {"fifo-json": fifo("c.json"), "fifo-csv": fifo("c.csv"), "folder-json": lambda d: (d / "c.json").mkdir(),
              "missing-json": None}
    cases += [Case("compare", f"input-{key}", cmp("{d}/" + ("c.csv" if "csv" in key else "c.json")),
                   steps(good_base, setup) if setup else good_base) for key, setup in places.items()]
    configs = {"absolute-text": 'psnr = { absolute = "abc" }', "absolute-negative": "psnr = { absolute = -1.0 }",
               "relative-nan": "psnr = { relative = nan }", "relative-inf": "psnr = { relative = inf }",
               "ignore-text": 'psnr = { ignore = "yes" }', "unknown-key": "psnr = { tolerance = 1 }",
               "not-a-table": "psnr = 5"}
    cases += [Case("compare", f"config-{key}", ("compare", "{d}/base.json", "{d}/base.json", "--config", "{d}/g.toml"),
                   steps(good_base, write("g.toml", f"[tolerance]\n{line}\n"))) for key, line in configs.items()]
    cases += [Case("compare", "config-nested", ("compare", "{d}/base.json", "{d}/base.json", "--config", "{d}/g.toml"),
                   steps(good_base, write("g.toml", "x = " + "[" * 5000 + "]" * 5000 + "\n"))),
              Case("compare", "config-fifo", ("compare", "{d}/base.json", "{d}/base.json", "--config", "{d}/g.toml"),
                   steps(good_base, fifo("g.toml"))),
              Case("compare", "config-alpha-bool", ("compare", "{d}/base.json", "{d}/base.json", "--config",
                                                    "{d}/g.toml"), steps(good_base, write("g.toml", "alpha = true\n")))]
    many = json.dumps([score_row(items=[0.0] * 20_000)])
    cases += [Case("compare", f"resamples-{r}", ("compare", "{d}/base.json", "{d}/base.json", "--resamples", r),
                   good_base) for r in ("0", "-1", str(10**7), "abc")]
    cases += [Case("compare", "paired-test-too-large", ("compare", "{d}/c.json", "{d}/c.json"), write("c.json", many)),
              Case("compare", "seed-2^64", ("compare", "{d}/base.json", "{d}/base.json", "--seed", str(2**64)), good_base),
              Case("compare", "unknown-run-id", ("compare", "0123456789ab", "{d}/base.json", "--store", "{d}/r.sqlite"),
                   steps(good_base, store_with())),
              Case("compare", "markup-model", ("compare", "{d}/c.json", "{d}/c.json"),
                   write("c.json", rows(model="[/]x[bold]")), expect=ACCEPT, literal="[/]x[bold]")]
    return cases


def leaderboard_cases() -> list[Case]:
    board = ("leaderboard", "--store", "{d}/r.sqlite")
    cases = [Case("leaderboard", "store-missing", board),
             Case("leaderboard", "task-unknown", (*board, "--task", "nope"), store_with()),
             Case("leaderboard", "suite-unknown", (*board, "--suite", "nope"), store_with()),
             Case("leaderboard", "task-and-suite", (*board, "--task", "images/digits", "--suite", "images"), store_with()),
             Case("leaderboard", "publish-without-suite", (*board, "--publish", "{d}/pub"), store_with()),
             Case("leaderboard", "publish-into-a-file", (*board, "--suite", "images", "--publish", "{d}/f"),
                  steps(store_with(), write("f", "x"))),
             Case("leaderboard", "format-unknown", (*board, "--format", "xml"), store_with()),
             Case("leaderboard", "models-none-match", (*board, "--models", "nope"), store_with()),
             Case("leaderboard", "unknown-metric-in-store", board,
                  store_with(lambda s: tamper(s, "UPDATE scores SET metric = 'no-such-metric'"))),
             Case("leaderboard", "markup-model-in-store", board, lambda d: one_run_store(d / "r.sqlite", "[/]m[red]"),
                  expect=ACCEPT, literal="[/]m[red]")]
    return cases


def store_cases() -> list[Case]:
    commands = {"leaderboard": ("leaderboard", "--store", "{d}/r.sqlite"),
                "run": (*RUN, "--model", "toy_models:noisy"),
                "eval": (*EVAL, "--samples", "{d}/s", "--name", "v"),
                "compare": ("compare", "0123456789ab", "0123456789ab", "--store", "{d}/r.sqlite")}
    samples = lambda d: digits_folder(d / "s", n=20)  # noqa: E731
    versions = {"empty": "", "abc": "abc", "1.0": "1.0", "3": "3", "0": "0", "space-1": " 1", "minus-1": "-1",
                "blob": b"\x01"}
    cases = [Case("store", f"version-{key}-{command}", argv,
                  steps(samples, store_with(lambda s, v=value: set_schema_version(s, v))))
             for key, value in versions.items() for command, argv in commands.items()]
    cases += [Case("store", f"no-version-row-{command}", argv,
                   steps(samples, store_with(lambda s: tamper(s, "DELETE FROM meta")))) for command, argv in commands.items()]
    kinds = {"fifo": fifo("r.sqlite"), "folder": lambda d: (d / "r.sqlite").mkdir(),
             "link-to-fifo": steps(fifo("pipe"), lambda d: (d / "r.sqlite").symlink_to(d / "pipe")),
             "random-bytes": write("r.sqlite", os.urandom(4096)),
             "pickle": pickle_file("r.sqlite", "torch-zip"),
             "truncated": lambda d: truncate(one_run_store(d / "r.sqlite"), 0.3),
             "other-program": lambda d: sqlite3.connect(d / "r.sqlite").execute("CREATE TABLE customers (id)").connection.commit(),
             "meta-only": lambda d: sqlite3.connect(d / "r.sqlite").execute(
                 "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)").connection.commit(),
             "parent-is-a-file": None}
    for key, setup in kinds.items():
        for command, argv in commands.items():
            argv = tuple(a.replace("{d}/r.sqlite", "{d}/f/r.sqlite") for a in argv) if key == "parent-is-a-file" else argv
            full = steps(samples, setup, write("f", "x")) if setup else steps(samples, write("f", "x"))
            cases.append(Case("store", f"{key}-{command}", argv, full))
    damaged = {"signature-not-json": "UPDATE scores SET signature_json = 'x'",
               "value-text": "UPDATE scores SET value = 'abc'", "n-negative": "UPDATE scores SET n = -5",
               "model-blob": "UPDATE scores SET model = X'FF00'",
               "invalid-utf8": "UPDATE scores SET signature_json = CAST(X'80' AS TEXT)",
               "deep-json": "UPDATE scores SET signature_json = printf('%.*c', 100000, '[')",
               "table-dropped": "DROP TABLE score_items"}
    cases += [Case("store", f"damaged-{key}-leaderboard", commands["leaderboard"], store_with(lambda s, q=sql: tamper(s, q)))
              for key, sql in damaged.items()]
    if os.geteuid() == 0:  # a real read-only mount, made in a private mount namespace
        cases += [Case("store", f"read-only-mount-{command}", argv, steps(samples, store_with()), read_only="{d}")
                  for command, argv in commands.items() if command in ("run", "eval")]
    return cases


def corpus_cases() -> list[Case]:
    where = ("corpus", "where", "--corpus-dir", "{d}/sword")
    conf = lambda root: root / "mods.d" / "sparv1909eb.conf"  # noqa: E731
    real_conf = lambda root: next((root / "mods.d").glob("spaRV1909eb.conf"), None) or conf(root)  # noqa: E731
    damages = {"bzz-truncated": lambda r: truncate(module_file(r, "bzz"), 0.5),
               "bzz-flipped": lambda r: flip_bytes(module_file(r, "bzz"), 0.5),
               "bzs-truncated": lambda r: truncate(module_file(r, "bzs"), 0.55),
               "bzv-flipped": lambda r: flip_bytes(module_file(r, "bzv"), 0.3),
               "bzv-empty": lambda r: module_file(r, "bzv").write_bytes(b""),
               "bzs-zeros": lambda r: module_file(r, "bzs").write_bytes(bytes(len(module_file(r, "bzs").read_bytes()))),
               "data-fifo": lambda r: (module_file(r, "bzz").unlink(), os.mkfifo(module_file(r, "bzz"))),
               "data-missing": lambda r: module_file(r, "bzz").unlink(),
               "conf-not-utf8": lambda r: real_conf(r).write_bytes(b"[spaRV1909eb]\nModDrv=\xff\n"),
               "conf-wrong-driver": lambda r: real_conf(r).write_text("[spaRV1909eb]\nModDrv=RawText\n"),
               "conf-fifo": lambda r: (real_conf(r).unlink(), os.mkfifo(real_conf(r))),
               "conf-datapath-escape": lambda r: real_conf(r).write_text(
                   "[spaRV1909eb]\nModDrv=zText\nDataPath=../../../../../../dev/\n"),
               "conf-encoding": lambda r: real_conf(r).write_text("[spaRV1909eb]\nModDrv=zText\nEncoding=Latin-1\n"),
               "bzz-block-bomb": lambda r: inflation_bomb(module_file(r, "bzs"), module_file(r, "bzz"))}
    cases = [Case("corpus", f"where-{key}", where, corpus_copy(damage)) for key, damage in damages.items()]
    cases += [Case("corpus", "where-missing", where), Case("corpus", "where-a-file", where, write("sword", "x")),
              Case("corpus", "where-fifo", where, fifo("sword")),
              Case("corpus", "where-empty-folder", where, lambda d: (d / "sword").mkdir()),
              Case("corpus", "get-method-unknown", ("corpus", "get", "--method", "ftp"))]
    return cases


def all_cases() -> list[Case]:
    return run_cases() + model_cases() + eval_cases() + compare_cases() + leaderboard_cases() + store_cases() + corpus_cases()
