"""Tooling around the app: the command line and the generated data.

Owns ``python -m sinkview`` (``cli``, with the ``scale_cli`` and ``quality_cli`` commands), the
realistic sample county (``sample``, ``sample_party``, loaded into an empty store by
``sample_loader``) and the province-scale generator (``province``).
"""
