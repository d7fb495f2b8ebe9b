"""Intranet only, on the server side: started as ``scripts/start.sh`` starts it (listening on
every address), Streamlit must not ask an outside host for the machine's address. With a
wildcard ``server.address`` and no ``browser.serverAddress`` it fetches checkip.amazonaws.com
to print an "External URL"; our ``.streamlit/config.toml`` sets the address it prints."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import json
from streamlit import config, net_util
from streamlit.web import bootstrap
asked = []
net_util._make_blocking_http_get = lambda url, timeout=None: asked.append(url)
config.get_config_options(force_reparse=True)
config.set_option("server.address", "0.0.0.0")
bootstrap._print_url(False)
print(json.dumps({"asked": asked, "gather": config.get_option("browser.gatherUsageStats")}))
"""


def test_starting_on_every_address_asks_no_outside_host():
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=True)
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer == {"asked": [], "gather": False}
    assert "URL: http://localhost" in done.stdout
