"""The store: the DuckDB file and everything kept in it besides the metric layer.

Owns opening, migrating and locking the database (``database``, migrations in ``migrations/``),
running named queries from ``queries/`` (``named_queries``), the Parquet export, the
per-installation secrets and the audit log. It knows nothing about Streamlit.
"""
