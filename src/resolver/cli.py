"""Command-line interface: argument parsing, progress display and exit codes; no matching logic."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from resolver.errors import ResolverError, UsageError

EXIT_OK, EXIT_INTERNAL, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors with exit code 2 and one line, like other bad input."""

    def error(self, message: str):  # noqa: D401 - argparse hook
        raise UsageError(f"{self.prog}: {message}")


def _common_input(p: argparse.ArgumentParser) -> None:
    p.add_argument("input", help="CSV, Parquet or JSON Lines file of party records")
    p.add_argument(
        "--map",
        dest="mapping",
        default=None,
        help="column mapping, e.g. name=consignee_name,country=dest_country",
    )
    p.add_argument(
        "--encoding", default=None, help="input encoding (default: UTF-8, cp1251 detected)"
    )
    p.add_argument("--delimiter", default=None, help="CSV delimiter (default ',' or tab for .tsv)")


def _common_engine(p: argparse.ArgumentParser) -> None:
    p.add_argument("--backend", choices=("duckdb", "spark"), default="duckdb")
    p.add_argument(
        "--memory-limit",
        default=None,
        help="DuckDB memory limit (default 1536MB), e.g. 4GB; beyond it DuckDB spills to --temp-dir",
    )
    p.add_argument("--temp-dir", default=None, help="folder for DuckDB spill files")


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
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("train", help="train a matching model (EM, optional labels)")
    _common_input(p)
    _common_engine(p)
    p.add_argument("--out", required=True, help="model JSON to write, e.g. models/mine.json")
    p.add_argument("--labels", default=None, help="optional CSV of id,entity_id known matches")
    p.add_argument("--seed", type=int, default=42)

    p = sub.add_parser("dedupe", help="resolve records into entities")
    _common_input(p)
    _common_engine(p)
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--model", default=None, help="model JSON (default: the shipped model)")
    p.add_argument("--threshold", type=float, default=None, help="match probability to link at")
    p.add_argument("--format", choices=("csv", "parquet"), default="csv")
    p.add_argument(
        "--max-block-size",
        type=int,
        default=None,
        help="largest block (profiles sharing a blocking key) to compare",
    )
    p.add_argument("--overwrite", action="store_true", help="replace an existing output folder")

    p = sub.add_parser("screen", help="score records against sanctions / watch lists")
    _common_input(p)
    _common_engine(p)
    _list_option(p)
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--model", default=None, help="model JSON (default: the shipped model)")
    p.add_argument(
        "--threshold", type=float, default=None, help="score at which a match is flagged"
    )
    p.add_argument(
        "--entities",
        action="store_true",
        help="also roll results up per resolved entity (runs dedupe first)",
    )
    p.add_argument("--overwrite", action="store_true", help="replace an existing output folder")

    p = sub.add_parser(
        "flows", help="shipments to a resolved trade network; flag routes to listed parties"
    )
    p.add_argument("input", help="CSV, Parquet or JSON Lines file, one row per shipment")
    _list_option(p)
    p.add_argument("--out", required=True, help="output folder")
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
    p.add_argument("--overwrite", action="store_true", help="replace an existing output folder")

    p = sub.add_parser("synth", help="generate realistic trade records with ground truth")
    p.add_argument("--entities", type=int, default=None, help="companies of parties.csv")
    p.add_argument("--mentions", type=int, default=None)
    p.add_argument(
        "--shipments",
        type=int,
        default=None,
        help="also write trade_shipments.csv (one row per shipment) with an evasion network",
    )
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=0)

    p = sub.add_parser("evaluate", help="pairwise and B-cubed scores of clusters against truth")
    p.add_argument("clusters", help="clusters.csv (or .parquet) from resolver dedupe")
    p.add_argument("--truth", required=True, help="CSV with id,entity_id")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``resolver`` console script."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        args = build_parser().parse_args(argv)
        logging.basicConfig(
            level=logging.INFO if args.verbose else logging.WARNING,
            format="%(levelname)s %(name)s: %(message)s",
        )
        return _dispatch(args)
    except ResolverError as exc:
        print(f"resolver: error: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("resolver: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # an internal error: one line, traceback only with --debug
        if debug:
            raise
        print(
            f"resolver: internal error: {type(exc).__name__}: {exc} (rerun with --debug)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


def _dispatch(args: argparse.Namespace) -> int:
    from resolver import commands

    return getattr(commands, f"cmd_{args.command}")(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())


__all__ = ["main", "build_parser"]
