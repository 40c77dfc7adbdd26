"""resolver on Spark: session and settings (``session``), failures in one line (``errors``), the
shared SQL transpiled (``sql``), inputs (``read``), record features on the executors
(``features``), distributed clustering (``cluster``) and the dedupe pipeline (``dedupe``)."""
