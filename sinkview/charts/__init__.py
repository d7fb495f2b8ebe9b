"""Pure chart builders: a DataFrame (and the language) in, a Plotly figure out.

One module per topic; ``theme`` holds the look they share. No builder reads the store,
the session or the filters, so each can be tested on a small frame.
"""
