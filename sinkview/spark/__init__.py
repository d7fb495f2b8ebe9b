"""The metric layer on Spark: the same statements, run over the Parquet export.

Owns the Spark engine (``engine``) and the one module that adapts the DuckDB dialect of the
metric layer's statements to Spark SQL (``dialect``).
"""
