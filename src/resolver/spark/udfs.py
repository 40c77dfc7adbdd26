"""Python functions resolver's Spark SQL calls, registered on each session splink runs on.

Splink's Scala ``jaro_winkler`` (and its ``jaro_sim``) give other values than DuckDB's
``jaro_winkler_similarity`` and jellyfish (0.924 against 0.931 for "ahr alktrk at trkn" and
"ahr artkrl at lstk"; 193 of 3,000 random pairs differ), so the same level would hold for
different pairs on the two backends. Spark calls jellyfish instead, the function the levels'
Python form uses and DuckDB's agrees with (to the last bit or two).
"""

from typing import Any

JARO_WINKLER_UDF = "resolver_jaro_winkler"


def register_udfs(session: Any) -> None:
    """Register resolver's functions on ``session`` (Arrow-batched, on the executors)."""
    import pandas as pd
    from pyspark.sql.functions import pandas_udf

    @pandas_udf("double")
    def jaro_winkler(left: pd.Series, right: pd.Series) -> pd.Series:
        import jellyfish

        return pd.Series(
            [
                jellyfish.jaro_winkler_similarity(a, b)
                if isinstance(a, str) and isinstance(b, str)  # a missing value: NaN or None
                else None
                for a, b in zip(left.tolist(), right.tolist(), strict=True)
            ],
            dtype="float64",
        )

    session.udf.register(JARO_WINKLER_UDF, jaro_winkler)
