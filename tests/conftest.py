"""Shared test set-up: isolated HOME and secrets, and AppTest that honours st.navigation.

AppTest (Streamlit 1.67) resets ``PagesManager.uses_pages_directory`` before every run and, since
our pages live in a folder named ``pages/``, re-enables the old automatic multipage mode on
reruns, which runs a page without ``app.py``. A real server never does that once
``st.navigation`` has been called; the fixture below makes AppTest behave like the server.
"""

from __future__ import annotations

import os

# Strict messages for the whole run, servers and command lines started by tests included:
# a missing catalogue key or a message that cannot be filled fails the test (sinkview.i18n).
os.environ["SINKVIEW_STRICT_MESSAGES"] = "1"

import pytest  # noqa: E402
import streamlit.testing.v1.app_test as app_test_module  # noqa: E402
from streamlit.runtime.pages_manager import PagesManager  # noqa: E402


class _NavigationPagesManager(PagesManager):
    """AppTest's reset lands on this subclass, leaving the real flag False."""


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path_factory, monkeypatch):
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("SINKVIEW_SECRETS_DIR", str(home / "secrets"))
    monkeypatch.setattr(app_test_module, "PagesManager", _NavigationPagesManager)
    monkeypatch.setattr(PagesManager, "uses_pages_directory", False)
    yield
