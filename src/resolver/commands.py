"""The CLI's subcommands: wire API calls to progress display and printed summaries."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator
from pathlib import Path

from rich.console import Console
from rich.table import Table

from resolver.errors import InputError, UsageError

out = Console()
err = Console(stderr=True)


@contextlib.contextmanager
def _progress(title: str) -> Iterator:
    """A spinner on stderr that shows the current stage of a long run."""
    with err.status(title) as status:
        yield lambda stage: status.update(f"{title}: {stage}")


def _engine_options(args: argparse.Namespace) -> dict:
    return {"backend": args.backend, "memory_limit": args.memory_limit, "temp_dir": args.temp_dir}


def _checked_output(args: argparse.Namespace) -> Path:
    """Validate --threshold and --out before any work, so a bad call fails fast."""
    from resolver.io.writers import check_output_dir
    from resolver.model.scoring import check_threshold

    check_threshold(args.threshold, "--threshold")
    return check_output_dir(args.out, args.overwrite)


def cmd_train(args: argparse.Namespace) -> int:
    from resolver.api import Resolver

    target = Path(args.out)
    if target.suffix.lower() != ".json":
        raise UsageError(f"--out {target}: the model file must end in .json")
    with _progress("training"):
        resolver = Resolver.train(
            args.input,
            mapping=args.mapping,
            labels=args.labels,
            seed=args.seed,
            encoding=args.encoding,
            delimiter=args.delimiter,
            backend=args.backend,
            memory_limit=args.memory_limit,
        )
        resolver.save(target)
    meta = resolver.params.metadata
    table = Table(title=f"model written to {target}")
    table.add_column("comparison")
    table.add_column("levels", justify="right")
    for name, levels in resolver.params.comparisons.items():
        table.add_row(name, str(len(levels)))
    out.print(table)
    out.print(
        f"trained on {meta['trained_on']['records']} records ({meta['trained_on']['profiles']} "
        f"distinct profiles); EM rules: {', '.join(meta['em_rules']) or 'none'}"
    )
    return 0


def cmd_dedupe(args: argparse.Namespace) -> int:
    from resolver.api import Resolver
    from resolver.features import DEFAULT_MAX_BLOCK_SIZE
    from resolver.io.readers import read_records

    out_dir = _checked_output(args)
    records = read_records(
        args.input, mapping=args.mapping, encoding=args.encoding, delimiter=args.delimiter
    )
    resolver = Resolver.load(args.model, **_engine_options(args))
    with _progress("dedupe") as step:
        result = resolver.dedupe(
            records,
            threshold=args.threshold,
            max_block_size=args.max_block_size or DEFAULT_MAX_BLOCK_SIZE,
            progress=step,
        )
        step("writing")
        result.save(out_dir, fmt=args.format, overwrite=args.overwrite)
    s = result.summary
    table = Table(title="resolver dedupe")
    table.add_column("")
    table.add_column("value", justify="right")
    for label, value in (
        ("records", s["records"]),
        ("distinct profiles", s["profiles"]),
        ("entities", s["entities"]),
        ("entities with several records", s["entities_with_several_records"]),
        ("largest entity (records)", s["largest_entity"]),
        ("unmatchable records (blank names)", s["unmatchable_records"]),
        ("pairs at/above threshold", s["pairs_at_or_above_threshold"]),
        ("threshold", s["threshold"]),
        ("seconds", s["timings"]["total_s"]),
    ):
        table.add_row(label, str(value))
    out.print(table)
    missing = s["evidence"]["columns_missing"]
    if missing:
        out.print(f"no data in: {', '.join(missing)} (matched on the remaining evidence)")
    out.print(
        f"outputs: {out_dir}/clusters.{args.format}, entities.{args.format}, pairs.parquet, summary.json"
    )
    return 0


def cmd_screen(args: argparse.Namespace) -> int:
    from resolver.screening import Screener

    out_dir = _checked_output(args)
    with _progress("screening") as step:
        step("loading lists")
        screener = Screener.load(
            *args.lists, model=args.model, threshold=args.threshold, **_engine_options(args)
        )
        result = screener.screen(
            args.input,
            mapping=args.mapping,
            entities=args.entities,
            encoding=args.encoding,
            delimiter=args.delimiter,
            progress=step,
        )
        step("writing")
        result.save(out_dir, overwrite=args.overwrite)
    s = result.summary
    table = Table(title="resolver screen")
    table.add_column("")
    table.add_column("value", justify="right")
    sources = ", ".join(
        f"{n} ({v['parties']} parties, {v['names']} names)"
        for n, v in s["lists"]["sources"].items()
    )
    rows = [
        ("lists", sources),
        ("records", s["records"]),
        ("records matching a listed party", s["records_with_match"]),
        ("matches (record, party) at/above threshold", s["matches"]),
        (
            "records whose best candidate is below threshold",
            s["records_with_candidates"] - s["records_with_match"],
        ),
        (f"records with no candidate >= {s['floor']}", s["records_below_floor"]),
    ]
    if "entities_with_match" in s:
        rows.append(("entities matching a listed party", s["entities_with_match"]))
    rows += [("threshold", s["threshold"]), ("seconds", s["timings"]["total_s"])]
    for label, value in rows:
        table.add_row(label, str(value))
    out.print(table)
    files = [
        "matches.csv",
        *(["entity_matches.csv"] if result.entity_matches is not None else []),
        "summary.json",
    ]
    out.print(f"outputs: {out_dir}/{', '.join(files)}")
    return 0


def cmd_synth(args: argparse.Namespace) -> int:
    from resolver.synth import generate

    if args.entities <= 0:
        raise UsageError("--entities must be a positive number")
    with _progress("generating"):
        summary = generate(
            args.out, n_entities=args.entities, seed=args.seed, mentions=args.mentions
        )
    out.print(
        f"wrote {args.out}: "
        + ", ".join(f"{k}={v}" for k, v in summary.items() if isinstance(v, int))
    )
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from resolver.evaluate import bcubed_metrics, pairwise_metrics
    from resolver.io.readers import read_table

    clusters = read_table(args.clusters)
    truth = read_table(args.truth)
    for name, table, cols in (
        ("clusters", clusters, ("id", "entity_id")),
        ("truth", truth, ("id", "entity_id")),
    ):
        for col in cols:
            if col not in table.column_names:
                raise InputError(f"{name} file: missing column '{col}'")
    pred = dict(
        zip(
            clusters.column("id").to_pylist(), clusters.column("entity_id").to_pylist(), strict=True
        )
    )
    true = dict(
        zip(truth.column("id").to_pylist(), truth.column("entity_id").to_pylist(), strict=True)
    )
    pw = pairwise_metrics(pred, true)
    b3 = bcubed_metrics(pred, true)
    table = Table(title=f"{args.clusters} vs {args.truth}")
    for col in ("metric", "precision", "recall", "F1"):
        table.add_column(col, justify="right" if col != "metric" else "left")
    table.add_row("pairwise", f"{pw['precision']:.4f}", f"{pw['recall']:.4f}", f"{pw['f1']:.4f}")
    table.add_row("B-cubed", f"{b3['precision']:.4f}", f"{b3['recall']:.4f}", f"{b3['f1']:.4f}")
    out.print(table)
    return 0
