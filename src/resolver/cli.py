"""Command-line interface: argument parsing, progress display and exit codes; no matching logic.

Exit codes: 0 done, 1 internal error (a bug: one line, ``--debug`` for the traceback), 2 bad
input or usage (one line naming the file and the problem), 130 interrupted (Ctrl-C), 143
terminated (SIGTERM).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import sys
from collections.abc import Iterator, Sequence

from resolver.errors import ResolverError, UsageError
from resolver.interrupts import watch_signals
from resolver.version import __version__

EXIT_OK, EXIT_INTERNAL, EXIT_USAGE = 0, 1, 2


class _HelpFormatter(argparse.HelpFormatter):
    """Shows each option's default unless it has none or its help already says it."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if (
            "default" in text
            or not action.option_strings
            or action.default in (None, False, argparse.SUPPRESS)
        ):
            return text
        return f"{text} (default: %(default)s)"


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors with exit code 2 and one line, like other bad input."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str):  # noqa: D401 - argparse hook
        raise UsageError(f"{self.prog}: {message}")


def _common_input(p: argparse.ArgumentParser, spark: bool = False) -> None:
    what = "CSV, Parquet or JSON Lines file of party records"
    if spark:
        what += " (with --backend spark also a folder of part files or a table name)"
    p.add_argument("input", help=what)
    p.add_argument(
        "--map",
        dest="mapping",
        default=None,
        help="column mapping, e.g. name=consignee_name,country=dest_country",
    )
    p.add_argument(
        "--encoding",
        default=None,
        help="input encoding (default: UTF-8; else cp1251 or cp1252 told apart by the letters)",
    )
    p.add_argument("--delimiter", default=None, help="CSV delimiter (default ',' or tab for .tsv)")


def _common_engine(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--backend", choices=("duckdb", "spark"), default="duckdb", help="database engine"
    )
    p.add_argument(
        "--memory-limit",
        default=None,
        help="DuckDB memory limit (default 1536MB), e.g. 4GB; beyond it DuckDB spills to --temp-dir",
    )
    p.add_argument(
        "--temp-dir",
        default=None,
        help="folder for the run's temp files and DuckDB spill (default: the system temp folder)",
    )
    p.add_argument(
        "--spark-conf",
        action="append",
        default=None,
        metavar="KEY=VALUE",
        help="a Spark setting for --backend spark, e.g. spark.driver.memory=8g (repeatable)",
    )


def _overwrite(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument(
        "--overwrite",
        action="store_true",
        help=f"replace {what} written by an earlier run (never other files)",
    )


def _list_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--list",
        dest="lists",
        action="append",
        required=True,
        help="OFAC SDN folder, UN XML, generic CSV or FollowTheMoney JSON (repeatable)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="resolver", description="Entity resolution and screening for trade records."
    )
    parser.add_argument("--version", action="version", version=f"resolver {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="no progress display (off a terminal: none)"
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser(
        "train", help="fit a model to your data, starting from the shipped one (optional labels)"
    )
    _common_input(p)
    _common_engine(p)
    p.add_argument("--out", required=True, help="model JSON to write, e.g. models/mine.json")
    p.add_argument("--model", default=None, help="model to start from (default: the shipped one)")
    p.add_argument(
        "--labels",
        default=None,
        help="known matches: CSV of id,entity_id, or review decisions (id,other_id,decision)",
    )
    p.add_argument("--seed", type=int, default=42, help="random seed of the EM sampling")
    _overwrite(p, "a model file")

    p = sub.add_parser("dedupe", help="resolve records into entities")
    _common_input(p, spark=True)
    _common_engine(p)
    p.add_argument("--out", default=None, help="output folder (new, empty or resolver's own)")
    p.add_argument(
        "--into",
        default=None,
        help="state folder of incremental resolution: a new folder for the first batch, then "
        "the same folder for every later batch (stable entity ids; instead of --out)",
    )
    p.add_argument(
        "--model",
        default=None,
        help="model JSON (default: the shipped model; with --into, the state's after its first run)",
    )
    p.add_argument(
        "--threshold",
        type=float,
        default=None,
        help="match probability to link at (default: the model's; 0.9 for the shipped model)",
    )
    p.add_argument(
        "--format",
        choices=("csv", "parquet"),
        default=None,
        help="clusters/entities format (default: csv); with --into, the state's after its first run",
    )
    p.add_argument(
        "--max-block-size",
        type=int,
        default=None,
        help="largest block (profiles sharing a blocking key) to compare (default: 300)",
    )
    _overwrite(p, "the outputs")

    p = sub.add_parser("screen", help="score records against sanctions / watch lists")
    _common_input(p)
    _common_engine(p)
    _list_option(p)
    p.add_argument(
        "--allow-partial-list",
        action="store_true",
        help="accept an OFAC folder without alt.csv or add.csv (aliases or addresses missing)",
    )
    p.add_argument("--out", required=True, help="output folder (new, empty or resolver's own)")
    p.add_argument("--model", default=None, help="model JSON (default: the shipped model)")
    p.add_argument(
        "--threshold",
        type=float,
        default=None,
        help="score at which a match is flagged (default: the model's screening threshold, 0.5)",
    )
    p.add_argument(
        "--entities",
        action="store_true",
        help="also roll results up per resolved entity (runs dedupe first)",
    )
    p.add_argument(
        "--decisions",
        default=None,
        help="review decisions CSV (id, list_id, decision, note, reviewer, date): no_match "
        "suppresses an alert, match keeps it whatever the score",
    )
    p.add_argument(
        "--all-candidates",
        action="store_true",
        help="write every candidate to matches.csv, not only alerts and decided pairs",
    )
    _overwrite(p, "the outputs")

    p = sub.add_parser(
        "flows", help="shipments to a resolved trade network; flag routes to listed parties"
    )
    p.add_argument("input", help="CSV, Parquet or JSON Lines file, one row per shipment")
    _list_option(p)
    p.add_argument("--out", required=True, help="output folder (new, empty or resolver's own)")
    p.add_argument(
        "--map", dest="mapping", default=None, help="column mapping, e.g. shipper_name=exporter"
    )
    p.add_argument("--window-days", type=int, default=90, help="days from receipt to re-export")
    p.add_argument(
        "--controlled-hs",
        default=None,
        help="file of HS codes/prefixes of concern (default: the Common High Priority List)",
    )
    p.add_argument("--all-goods", action="store_true", help="apply the rules to every HS code")
    p.add_argument(
        "--restricted-countries",
        default="RU,BY",
        help="destinations under restrictions, comma-separated ('' for none; default RU,BY)",
    )
    p.add_argument("--model", default=None, help="model JSON (default: the shipped model)")
    p.add_argument(
        "--list-threshold", type=float, default=None, help="screening score of a listed party"
    )
    p.add_argument("--encoding", default=None, help="input encoding (default: UTF-8)")
    p.add_argument("--delimiter", default=None, help="CSV delimiter (default ',')")
    _common_engine(p)
    _overwrite(p, "the outputs")

    p = sub.add_parser("synth", help="generate realistic trade records with ground truth")
    p.add_argument("--entities", type=int, default=None, help="companies of parties.csv")
    p.add_argument("--mentions", type=int, default=None, help="party rows (default: 3 per company)")
    p.add_argument(
        "--shipments",
        type=int,
        default=None,
        help="also write trade_shipments.csv (one row per shipment) with an evasion network",
    )
    p.add_argument("--out", required=True, help="output folder (new, empty or resolver's own)")
    p.add_argument("--seed", type=int, default=0, help="random seed")
    _overwrite(p, "the generated files")

    p = sub.add_parser(
        "explain", help="the evidence for one pair of a run, step by step (a waterfall)"
    )
    p.add_argument("out", help="output folder of resolver dedupe (or screen)")
    p.add_argument("id1", help="a record id")
    p.add_argument("id2", help="another record id (dedupe) or a list_id (screen)")

    p = sub.add_parser("evaluate", help="pairwise and B-cubed scores of clusters against truth")
    p.add_argument("clusters", help="clusters.csv (or .parquet) from resolver dedupe")
    p.add_argument("--truth", required=True, help="CSV with id,entity_id")
    p.add_argument(
        "--min-coverage",
        type=float,
        default=0.95,
        help="least share of either file's ids the other must have",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``resolver`` console script."""
    argv = list(argv if argv is not None else sys.argv[1:])
    debug = "--debug" in argv
    args = None
    with _signals() as caught:
        try:
            args = build_parser().parse_args(argv)
            logging.basicConfig(
                level=logging.INFO if args.verbose else logging.WARNING,
                format="%(levelname)s %(name)s: %(message)s",
            )
            return _dispatch(args)
        except SystemExit as exc:  # --help, --version
            return exc.code if isinstance(exc.code, int) else EXIT_OK
        except ResolverError as exc:
            print(f"resolver: error: {exc.message}", file=sys.stderr)
            return exc.exit_code
        except BaseException as exc:
            # a signal may surface as whatever a library made of it (DuckDB's "Query
            # interrupted", splink's SQL dump): the handler's record is what counts
            if caught or _caused_by(exc, KeyboardInterrupt):
                signum = caught[0] if caught else signal.SIGINT
                word = "terminated" if signum == signal.SIGTERM else "interrupted"
                print(f"resolver: {word}", file=sys.stderr)
                return 128 + signum
            if not isinstance(exc, Exception):
                raise
            return _report_error(exc, getattr(args, "memory_limit", None), debug)


@contextlib.contextmanager
def _signals() -> Iterator[list[int]]:
    """Turn SIGINT and SIGTERM into KeyboardInterrupt (so ``finally`` blocks and exit handlers
    clean up), interrupting DuckDB too, and record which arrived; the previous handlers come
    back afterwards."""
    caught: list[int] = []

    def handler(signum: int, _frame) -> None:
        caught.append(signum)
        raise KeyboardInterrupt

    try:
        previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    except ValueError:  # not the main thread: leave signals alone
        yield caught
        return
    try:
        with watch_signals():  # a query running in DuckDB is stopped at once
            yield caught
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, kind):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def _report_error(exc: Exception, memory_limit: str | None, debug: bool) -> int:
    """One line for an error a library raised: exit 2 when it is the user's to fix (memory
    limit), else an internal error (exit 1; the traceback with --debug)."""
    import duckdb

    root = exc
    while root.__cause__ is not None:  # splink wraps the backend's error with the whole SQL
        root = root.__cause__
    first = (str(root).strip().splitlines() or [""])[0]
    from resolver.spark.errors import explain, first_line, is_spark_error

    if is_spark_error(exc):
        hint = explain(exc)
        if hint:
            print(f"resolver: error: {hint}", file=sys.stderr)
            return EXIT_USAGE
        if not debug:
            print(
                f"resolver: internal error: Spark: {first_line(exc)} (rerun with --debug)",
                file=sys.stderr,
            )
            return EXIT_INTERNAL
    if isinstance(root, duckdb.OutOfMemoryException):
        from resolver.engine import DEFAULT_MEMORY_LIMIT

        print(
            f"resolver: error: out of memory within the DuckDB memory limit "
            f"({memory_limit or DEFAULT_MEMORY_LIMIT}): raise it with --memory-limit ({first})",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if debug:
        raise exc
    print(
        f"resolver: internal error: {type(root).__name__}: {first} (rerun with --debug)",
        file=sys.stderr,
    )
    return EXIT_INTERNAL


def _dispatch(args: argparse.Namespace) -> int:
    from resolver import commands

    return getattr(commands, f"cmd_{args.command}")(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())


__all__ = ["main", "build_parser"]
