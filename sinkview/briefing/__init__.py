"""The briefing (汇报): the slides of a period and scope, and the files made from them.

Owns the slides as plain data (``slides``), the PowerPoint deck (``deck``), the PDF of the same
slides (``deck_pdf``) and the ``briefing`` command (``cli``).
"""
