"""The Streamlit-bound layer that pages use.

Owns the page context with the community-scope rule and the cache layer (``context``), the
sidebar and URL frame (``frame``), the widgets every page shares (``widgets``), sign-in as the
app sees it (``access``), user accounts and passwords (``accounts``), server-side sessions
(``sessions``), the first administrator (``first_run``), the data page's logic
(``data_page``, ``mapping_form``) and CSV downloads (``export``).
"""
