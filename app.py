"""sinkview's router and frame: page config, language, shared filters in the URL, navigation.

Every page file in ``pages/`` is registered here, grouped as the users think of them; the
frame (login, sidebar filters, language, data status) is drawn once per run by ``sinkview.app.frame``.
Until someone signs in the navigation is hidden and the frame shows the login form instead of
a page; the users page is registered for admins only.
"""

import streamlit as st

from sinkview import PROJECT_ROOT
from sinkview.app import context as app_context
from sinkview.app import frame as app_frame
from sinkview.i18n import t

# A local icon: Material page icons are fetched from a font CDN, which an intranet cannot reach.
st.set_page_config(page_title="sinkview", page_icon=str(PROJECT_ROOT / "sinkview" / "assets" / "favicon.png"), layout="wide",
                   initial_sidebar_state="expanded")
st.html(f"<style>{(PROJECT_ROOT / 'sinkview' / 'assets' / 'app.css').read_text(encoding='utf-8')}</style>")

lang = app_frame.language()
with app_context.read_batch():  # the reads of a run share one connection, opened on a cache miss (sinkview.store.database)
    current = app_frame.current_access()

PAGES = {
    "nav.group_overview": [("pages/overview.py", "nav.overview", ":material/dashboard:", True)],
    "nav.group_topics": [
        ("pages/rotation.py", "nav.rotation", ":material/medical_services:", False),
        ("pages/referral.py", "nav.referral", ":material/swap_vert:", False),
        ("pages/village.py", "nav.village", ":material/home_health:", False),
        ("pages/talent.py", "nav.talent", ":material/groups:", False),
        ("pages/party.py", "nav.party", ":material/flag:", False),
    ],
    "nav.group_data": [
        ("pages/data.py", "nav.data", ":material/database:", False),
        ("pages/quality.py", "nav.quality", ":material/fact_check:", False),
    ],
    "nav.group_briefing": [("pages/briefing.py", "nav.briefing", ":material/co_present:", False)],
}
USERS_PAGE = ("pages/users.py", "auth.nav_users", ":material/manage_accounts:", False)
if current.user is not None and current.user.can_manage_users:
    PAGES["nav.group_data"] = [*PAGES["nav.group_data"], USERS_PAGE]

navigation = {
    t(group, lang): [st.Page(path, title=t(title, lang), icon=icon, default=default)
                     for path, title, icon, default in pages if (PROJECT_ROOT / path).exists()]
    for group, pages in PAGES.items()
}
page = st.navigation({group: pages for group, pages in navigation.items() if pages},
                     position="sidebar" if current.allowed else "hidden")

with st.sidebar:
    st.markdown(f"**{t('app_title', lang)}**")
with app_context.read_batch():
    context = app_frame.render_frame()
    app_frame.status_line(context)
    page.run()
