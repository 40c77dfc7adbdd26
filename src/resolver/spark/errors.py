"""Spark failures as one line naming the setting to change, instead of a Java stack."""

from __future__ import annotations

# (text found in the error, what to tell the user); the first match wins
_HINTS: tuple[tuple[tuple[str, ...], str], ...] = (
    (
        ("Java gateway process exited", "JAVA_GATEWAY_EXITED", "JAVA_HOME"),
        "Spark could not start Java: install Java 17+ and put it on PATH (or set JAVA_HOME)",
    ),
    (
        ("OutOfMemoryError", "Java heap space", "GC overhead limit exceeded"),
        "Spark ran out of Java memory ({detail}): raise spark.driver.memory (local mode runs the "
        "executors in the driver) or, on a cluster, spark.executor.memory, e.g. "
        "--spark-conf spark.driver.memory=8g or RESOLVER_SPARK_DRIVER_MEMORY=8g",
    ),
    (
        ("exceeding memory limits", "Container killed", "memoryOverhead"),
        "a Spark executor was killed for using too much memory ({detail}): raise "
        "spark.executor.memoryOverhead, e.g. --spark-conf spark.executor.memoryOverhead=2g",
    ),
    (
        ("Python worker exited unexpectedly", "Python worker failed", "crashed"),
        "a Spark Python worker died, usually out of memory ({detail}): lower "
        "spark.sql.execution.arrow.maxRecordsPerBatch (e.g. --spark-conf "
        "spark.sql.execution.arrow.maxRecordsPerBatch=2000) or raise spark.executor.pyspark.memory",
    ),
    (
        ("spark.driver.maxResultSize",),
        "a result is larger than spark.driver.maxResultSize ({detail}): raise it, e.g. "
        "--spark-conf spark.driver.maxResultSize=4g",
    ),
    (
        ("No space left on device",),
        "Spark ran out of disk space for shuffle and spill files ({detail}): point spark.local.dir "
        "(or --temp-dir) at a larger disk",
    ),
    (
        ("INVALID_PARAMETER_VALUE.CHARSET",),
        "Spark does not decode this encoding ({detail}): set spark.sql.legacy.javaCharsets=true "
        "on the session (resolver's own sessions do), e.g. --spark-conf "
        "spark.sql.legacy.javaCharsets=true",
    ),
    (
        ("UNRESOLVED_ROUTINE", "jaro_winkler"),
        "Spark cannot find splink's similarity functions ({detail}): add "
        "splink.backends.spark.similarity_jar_location() to spark.jars",
    ),
)


def _messages(exc: BaseException) -> list[str]:
    """The text of ``exc`` and of every exception it was raised from or during."""
    out, seen = [], set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        out.append(str(exc))
        desc = getattr(exc, "desc", None)  # pyspark's captured exceptions
        if desc:
            out.append(str(desc))
        exc = exc.__cause__ or exc.__context__
    return out


def _detail(text: str, needle: str) -> str:
    """The line of ``text`` holding ``needle``, without Java's package prefixes, shortened."""
    for line in text.splitlines():
        if needle in line:
            line = line.strip().split(": ", 1)[-1] if "Exception" in line else line.strip()
            return line[:160]
    return needle


def explain(exc: BaseException) -> str | None:
    """One line for a Spark failure that a setting fixes; None when it is not one."""
    texts = _messages(exc)
    for needles, hint in _HINTS:
        for text in texts:
            for needle in needles:
                if needle in text:
                    return hint.format(detail=_detail(text, needle))
    return None


def is_spark_error(exc: BaseException) -> bool:
    """The error came from Spark or its JVM (a failure a user may see and act on)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        module = type(exc).__module__
        if module.startswith(("pyspark", "py4j")):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def first_line(exc: BaseException) -> str:
    """The first line of the innermost Spark error message (the error class and its text)."""
    texts = [t for t in _messages(exc) if t.strip()]
    for text in texts:
        line = text.strip().splitlines()[0]
        if line.startswith("[") or "Exception" in line:
            return line[:300]
    return (texts[0].strip().splitlines()[0] if texts else type(exc).__name__)[:300]
