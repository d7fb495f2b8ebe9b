"""The metric layer: each indicator declared once, computed at any grain in one pass per topic.

- ``declarations`` (+ ``indicators.toml``): id, names, unit, direction, definition, target,
  and the expression as aggregates over named base models;
- ``models``: the base models (``queries/staging/``) and how their rows meet a period and a
  community or township;
- ``evaluator``: one compiled statement per topic for any cells (periods × groups);
- ``grains``: the periods of a grouped request (quarters, months, comparison periods);
- ``targets``: the editable targets file and the met / near / missed rule;
- ``needs``: what each page, the briefing and the benchmark read, declared as data;
- ``cells``: the stored cells (calendar quarters and years) the evaluator reads;
- ``series``: indicator series served under named-query names;
- ``docs``: the README's indicator table, generated from the declarations;
- ``periods``: periods (quarters, months, previous, a year ago) and their labels;
- ``scorecard`` and ``narrative``: the scorecard and league rows and the overview's sentences;
- ``quality``: the data-quality checks as data, their settings and the volume caveat.

It knows nothing about Streamlit.
"""
