"""The CLI's subcommands: wire API calls to progress display and printed summaries."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table

from resolver.errors import ModelError, UsageError

out = Console()
err = Console(stderr=True)


def _progress(args: argparse.Namespace, title: str, steps: Sequence[str]):
    """A progress bar on stderr over the run's steps (none with --quiet or off a terminal)."""
    from resolver.progress import step_progress

    return step_progress(title, steps, err, quiet=args.quiet)


def _engine_options(args: argparse.Namespace) -> dict:
    options = {
        "backend": args.backend,
        "memory_limit": args.memory_limit,
        "temp_dir": args.temp_dir,
    }
    if args.spark_conf:
        if args.backend != "spark":
            raise UsageError("--spark-conf applies to --backend spark only")
        from resolver.spark.session import parse_spark_conf

        options["spark_conf"] = parse_spark_conf(args.spark_conf)
    return options


def _claimed_output(
    args: argparse.Namespace, inputs: list, space_factor: int
) -> contextlib.AbstractContextManager[Path]:
    """Check --out (see ``resolver.io.outputs``) and hold its lock for the whole run, so a bad
    folder, a second run on it or too little disk space fails before any work."""
    from resolver.io.outputs import claim_output_dir
    from resolver.io.readers import uncompressed_size

    inputs = [p for p in inputs if p is not None]
    return claim_output_dir(
        args.out,
        args.overwrite,
        inputs=inputs,
        flag="--overwrite",
        need_bytes=space_factor * sum(uncompressed_size(p) for p in inputs),
    )


def cmd_train(args: argparse.Namespace) -> int:
    from resolver.api import Resolver, check_model_path

    target = Path(args.out)
    if target.suffix.lower() != ".json":
        raise UsageError(f"--out {target}: the model file must end in .json")
    check_model_path(target, args.overwrite, flag="--overwrite")
    with _progress(args, "training", ["training"]) as step:
        step("training")
        resolver = Resolver.train(
            args.input,
            mapping=args.mapping,
            labels=args.labels,
            base=args.model,
            seed=args.seed,
            encoding=args.encoding,
            delimiter=args.delimiter,
            **_engine_options(args),
        )
        resolver.save(target, overwrite=args.overwrite)
    meta = resolver.params.metadata
    table = Table(title=f"model written to {target}")
    table.add_column("comparison")
    table.add_column("levels", justify="right")
    for name, levels in resolver.params.comparisons.items():
        table.add_row(name, str(len(levels)))
    out.print(table)
    trained = meta["trained_on"]
    out.print(
        f"fitted to {trained['records']} records ({trained['profiles']} distinct profiles, "
        f"{trained['candidate_pairs']} candidate pairs; {trained['em_iterations']} EM rounds) "
        f"from {meta['base_model']}"
    )
    labels = meta.get("labels")
    if labels:
        unused = labels.get("no_match_not_used", 0)
        out.print(
            f"labels: {labels['match_pairs']} known-match profile pairs set m"
            + (
                f"; {unused} no_match decisions not used (m is estimated from matches)"
                if unused
                else ""
            )
        )
    return 0


def cmd_dedupe(args: argparse.Namespace) -> int:
    from resolver.api import Resolver
    from resolver.features import DEFAULT_MAX_BLOCK_SIZE
    from resolver.io.readers import read_records
    from resolver.io.writers import check_csv_columns
    from resolver.model.scoring import check_threshold

    check_threshold(args.threshold, "--threshold")
    if (args.out is None) == (args.into is None):
        raise UsageError("resolver dedupe: give either --out (one run) or --into (a state folder)")
    if args.into is not None:
        return _dedupe_into(args)
    args.format = args.format or "csv"
    steps = ["reading", "features", "predict", "cluster", "outputs", "writing"]
    with (
        _claimed_output(args, [args.input, args.model], space_factor=2) as out_dir,
        _progress(args, "dedupe", steps) as step,
    ):
        step("reading")
        if args.backend == "spark":  # Spark reads the input itself, on the cluster
            records = args.input
        else:
            records = read_records(
                args.input, mapping=args.mapping, encoding=args.encoding, delimiter=args.delimiter
            )
            if args.format == "csv":  # a carried list/struct column fails now, not after the run
                check_csv_columns(records, args.input)
        resolver = Resolver.load(args.model, **_engine_options(args))
        threshold = resolver.params.threshold
        if args.threshold is None and not 0.0 < threshold < 1.0:
            raise ModelError(
                f"{resolver.params.metadata['path']}: threshold {threshold} is not between 0 "
                "and 1 (exclusive); fix the model or pass --threshold"
            )
        result = resolver.dedupe(
            records,
            mapping=args.mapping if args.backend == "spark" else None,
            encoding=args.encoding,
            delimiter=args.delimiter,
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
    if args.backend == "spark":
        files = ["clusters.parquet/", "entities.parquet/", "pairs.parquet/"]
        for name, written in s.get("csv", {}).items():
            if written.endswith(".csv"):
                files.append(written)
            else:
                out.print(f"{name}.csv {written}")
        out.print(f"outputs: {args.out}/{', '.join(files)}, summary.json")
        return 0
    out.print(
        f"outputs: {args.out}/clusters.{args.format}, entities.{args.format}, "
        f"links.{args.format}, pairs.parquet, model.json, summary.json, report.html"
    )
    return 0


def _dedupe_into(args: argparse.Namespace) -> int:
    """``resolver dedupe NEW --into STATE``: a first run or a batch joining the state."""
    from resolver.api import Resolver
    from resolver.engine import Engine
    from resolver.incremental import is_state, resolve_into
    from resolver.io.outputs import claim_output_dir
    from resolver.io.readers import read_records, uncompressed_size
    from resolver.io.writers import check_csv_columns

    if args.overwrite:
        raise UsageError("--overwrite does not go with --into: a state folder is updated in place")
    inputs = [p for p in (args.input, args.model) if p is not None]
    need = 2 * sum(uncompressed_size(p) for p in inputs)
    with claim_output_dir(args.into, True, inputs=inputs, need_bytes=need) as folder:
        records = read_records(
            args.input, mapping=args.mapping, encoding=args.encoding, delimiter=args.delimiter
        )
        if args.format != "parquet":  # the state's format may be csv
            check_csv_columns(records, args.input)
        if args.model is not None or not is_state(folder):
            resolver = Resolver.load(args.model, **_engine_options(args))
            engine, params = resolver.engine, resolver.params
        else:  # a later batch: the state's own model
            engine, params = Engine(**_engine_options(args)), None
        steps = ["features", "word statistics", "blocking", "predict", "cluster", "outputs"]
        with _progress(args, "dedupe --into", steps) as step:
            result = resolve_into(
                records,
                folder,
                engine,
                params=params,
                threshold=args.threshold,
                max_block_size=args.max_block_size,
                fmt=args.format,
                source=str(args.input),
                inputs=inputs,
                progress=step,
            )
    s = result.summary
    inc = s["incremental"]
    table = Table(title=f"resolver dedupe --into (batch {inc['batch']})")
    table.add_column("")
    table.add_column("value", justify="right")
    rows = [("records (all batches)", s["records"]), ("entities", s["entities"])]
    if not inc["first_run"]:
        rows += [
            ("records in this batch", inc["batch_records"]),
            ("new entities", inc["new_entities"]),
            ("merges (lineage.csv)", inc["merges"]),
            ("splits proposed (kept whole)", inc["split_proposals"]),
            ("pairs scored", inc["new_pairs_scored"]),
            ("old pairs scored again (word weights drifted)", inc["old_pairs_rescored"]),
        ]
    rows += [("threshold", s["threshold"]), ("seconds", s["timings"]["total_s"])]
    for label, value in rows:
        table.add_row(label, str(value))
    out.print(table)
    out.print(
        f"state and outputs: {args.into}/ (clusters, entities, pairs.parquet, summary.json, "
        "lineage.csv, proposed_splits.csv)"
    )
    return 0


def cmd_screen(args: argparse.Namespace) -> int:
    from resolver.model.scoring import check_threshold
    from resolver.review.decisions import read_decisions
    from resolver.screening import Screener

    check_threshold(args.threshold, "--threshold")
    decisions = read_decisions(args.decisions) if args.decisions else None
    inputs = [args.input, *args.lists, args.model, args.decisions]
    steps = [
        "loading lists",
        "reading",
        *(["dedupe"] if args.entities else []),
        "features",
        "outputs",
        "writing",
    ]
    with (
        _claimed_output(args, inputs, space_factor=1) as out_dir,
        _progress(args, "screening", steps) as step,
    ):
        step("loading lists")
        screener = Screener.load(
            *args.lists,
            model=args.model,
            threshold=args.threshold,
            allow_partial_list=args.allow_partial_list,
            **_engine_options(args),
        )
        result = screener.screen(
            args.input,
            mapping=args.mapping,
            entities=args.entities,
            decisions=decisions,
            all_candidates=args.all_candidates,
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
    if "decisions" in s:
        d = s["decisions"]
        rows += [
            ("alerts not yet decided", s["alerts"]),
            ("confirmed matches (decisions)", d["confirmed"]),
            ("suppressed: judged no match (decisions)", d["suppressed"]),
            ("decisions not among this run's candidates", d["not_among_candidates"]),
        ]
    rows += [("threshold", s["threshold"]), ("seconds", s["timings"]["total_s"])]
    for label, value in rows:
        table.add_row(label, str(value))
    out.print(table)
    files = [
        "matches.csv",
        *(["entity_matches.csv"] if result.entity_matches is not None else []),
        "summary.json",
        "report.html",
    ]
    out.print(f"outputs: {args.out}/{', '.join(files)}")
    return 0


def cmd_flows(args: argparse.Namespace) -> int:
    from resolver.model.scoring import check_threshold
    from resolver.tradeflows import flows

    check_threshold(args.list_threshold, "--list-threshold")
    inputs = [args.input, *args.lists, args.model, args.controlled_hs]
    steps = [
        "reading shipments",
        "loading lists",
        "resolving parties",
        "screening entities",
        "building the network",
        "alert rules",
        "writing",
    ]
    with (
        _claimed_output(args, inputs, space_factor=3) as out_dir,
        _progress(args, "flows", steps) as step,
    ):
        result = flows(
            args.input,
            args.lists,
            mapping=args.mapping,
            window_days=args.window_days,
            controlled_hs=args.controlled_hs,
            all_goods=args.all_goods,
            restricted=args.restricted_countries.split(","),
            model=args.model,
            list_threshold=args.list_threshold,
            encoding=args.encoding,
            delimiter=args.delimiter,
            progress=step,
            **_engine_options(args),
        )
        step("writing")
        result.save(out_dir, overwrite=args.overwrite)
    s = result.summary
    table = Table(title="resolver flows")
    table.add_column("")
    table.add_column("value", justify="right")
    rows = [
        ("shipments", s["shipments"]),
        ("party mentions", s["party_mentions"]),
        ("entities", s["entities"]),
        ("listed entities", s["listed_entities"]),
        ("flows (shipper -> consignee)", s["flows"]),
        ("shipments of goods of concern", s["shipments_of_goods_of_concern"]),
        *((f"alerts: {kind}", n) for kind, n in s["alerts"].items()),
        ("seconds", s["timings"]["total_s"]),
    ]
    for label, value in rows:
        table.add_row(label, str(value))
    out.print(table)
    out.print(
        f"outputs: {out_dir}/shipments.csv, entities.csv, clusters.csv, matches.csv, "
        "flows.csv, alerts.csv, summary.json, report.html"
    )
    return 0


def cmd_synth(args: argparse.Namespace) -> int:
    from resolver.io.outputs import staged_output_dir
    from resolver.synth import generate, generate_shipments

    if args.entities is None and args.shipments is None:
        raise UsageError("give --entities (party records), --shipments (shipments) or both")
    if args.entities is not None and args.entities <= 0:
        raise UsageError("--entities must be a positive number")
    summaries = []
    with (
        staged_output_dir(
            args.out, args.overwrite, flag="--overwrite", formula_guarded_csv=False
        ) as stage,
        _progress(args, "generating", ["parties", "shipments"]) as step,
    ):
        if args.entities is not None:
            step("parties")
            summaries.append(
                generate(stage, n_entities=args.entities, seed=args.seed, mentions=args.mentions)
            )
        if args.shipments is not None:
            step("shipments")
            summaries.append(generate_shipments(stage, args.shipments, seed=args.seed))
    for summary in summaries:
        out.print(
            f"wrote {args.out}: "
            + ", ".join(f"{k}={v}" for k, v in summary.items() if isinstance(v, int))
        )
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from resolver.evaluate import bcubed_metrics, check_coverage, pairwise_metrics, read_assignment

    if not 0.0 <= args.min_coverage <= 1.0:
        raise UsageError(f"--min-coverage must be between 0 and 1, got {args.min_coverage}")
    pred = read_assignment(args.clusters, "clusters")
    true = read_assignment(args.truth, "truth")
    coverage = check_coverage(pred, true, args.clusters, args.truth, args.min_coverage)
    pw = pairwise_metrics(pred, true)
    b3 = bcubed_metrics(pred, true)
    table = Table(title=f"{args.clusters} vs {args.truth}")
    for col in ("metric", "precision", "recall", "F1"):
        table.add_column(col, justify="right" if col != "metric" else "left")
    table.add_row("pairwise", f"{pw['precision']:.4f}", f"{pw['recall']:.4f}", f"{pw['f1']:.4f}")
    table.add_row("B-cubed", f"{b3['precision']:.4f}", f"{b3['recall']:.4f}", f"{b3['f1']:.4f}")
    out.print(table)
    out.print(
        f"scored {pw['n_records']:,} ids in both files ({coverage:.1%}); "
        f"{pw['n_only_predicted']:,} only in {args.clusters}, "
        f"{pw['n_only_truth']:,} only in {args.truth}"
    )
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    from resolver.review.explain import explain_pair

    with _progress(args, "explain", ["explaining"]) as step:
        step("explaining")
        ex = explain_pair(args.out, args.id1, args.id2)
    for record in ex.records:
        fields = ", ".join(f"{k}={v}" for k, v in record.items() if v not in (None, ""))
        out.print(fields, highlight=False, markup=False)
    table = Table(title=f"evidence ({ex.source})")
    table.add_column("comparison")
    table.add_column("level")
    for col in ("weight", "running total", "probability"):
        table.add_column(col, justify="right")
    for s in ex.steps:
        table.add_row(
            s.comparison, s.level, f"{s.weight:+.2f}", f"{s.total:+.2f}", f"{s.probability:.4f}"
        )
    out.print(table)
    side = "at or above" if ex.probability >= ex.threshold else "below"
    out.print(
        f"match probability {ex.probability:.4f} (weight {ex.match_weight:+.2f} bits), {side} "
        f"the threshold {ex.threshold:g}" + "".join(f"; {n}" for n in ex.notes),
        highlight=False,
    )
    return 0
