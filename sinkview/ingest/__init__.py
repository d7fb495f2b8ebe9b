"""Ingestion: files in, contract-true rows out.

Owns the data contract (datasets, columns, enumerations, parser aliases), reading CSV and Excel
files, the import itself (validation, normalisation macros, commit and undo), the mappings of
other platforms' exports, the downloadable templates and the wording of import notices.
It knows nothing about Streamlit.
"""
