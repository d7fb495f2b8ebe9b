"""The metric layer: each indicator declared once, computed at any grain in one pass per topic.

- ``declarations`` (+ ``indicators.toml``): id, names, unit, direction, definition, target,
  and the expression as aggregates over named base models;
- ``models``: the base models (``queries/staging/``) and how their rows meet a period and a
  community or township;
- ``evaluator``: one compiled statement per topic for any cells (periods × groups);
- ``grains``: the periods of a grouped request (quarters, months, comparison periods);
- ``targets``: the editable targets file and the met / near / missed rule;
- ``needs``: what each page, the briefing and the benchmark read, declared as data.
"""
