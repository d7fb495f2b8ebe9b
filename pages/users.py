"""用户与审计 · Users and audit (admins only): who may sign in, with which role and community;
add users, change passwords, remove users; the latest entries of the audit log.

Users are read and changed through sinkview.app.accounts (which audits every change), the log is
sinkview.store.audit's; community choices come from queries/frame/communities.sql.
"""

import streamlit as st

from sinkview.app import accounts
from sinkview.app import frame as app_frame
from sinkview.store import audit as audit_log

FLASH_KEY = "sv_users_flash"  # (message key, params) shown once after a change

ctx = app_frame.page_context()
st.title(ctx.t("auth.nav_users"), anchor=False)
if ctx.role != "admin":
    st.error(ctx.t("auth.admin_only"))
    st.stop()

with ctx.store.read() as con:
    users = accounts.list_users(con)
users_tab, audit_tab = st.tabs([ctx.t("auth.users.tab_users"), ctx.t("auth.users.tab_audit")])


def role_label(role: str) -> str:
    return ctx.t(f"auth.role.{role}")


def apply(change, message_key: str, name: str) -> None:
    """Make a user change (``change(connection)``, one write); on success say so after the
    refresh, else show why not."""
    try:
        with ctx.store.write(f"{message_key} {name}") as con:
            change(con)
    except accounts.UserChangeRefused as refusal:
        st.error(ctx.t(refusal.code, **refusal.params))
        return
    st.session_state[FLASH_KEY] = (message_key, {"name": name})
    st.rerun()


def new_password(prefix: str) -> tuple[str, str]:
    first = st.text_input(ctx.t("auth.users.password"), type="password", key=f"{prefix}_password",
                          autocomplete="new-password")
    again = st.text_input(ctx.t("auth.users.password_again"), type="password", key=f"{prefix}_password_again",
                          autocomplete="new-password")
    return first, again


def refuse_different_passwords(first: str, again: str) -> bool:
    if first != again:
        st.error(ctx.t("auth.refused.passwords_differ"))
        return True
    return False


with users_tab:
    flash = st.session_state.pop(FLASH_KEY, None)
    if flash:
        st.success(ctx.t(flash[0], **flash[1]))
    st.caption(ctx.t("auth.users.roles_help"))
    st.dataframe([{
        ctx.t("auth.users.col.name"): user.name,
        ctx.t("auth.users.col.role"): role_label(user.role),
        ctx.t("auth.users.col.community"): user.community or ctx.t("auth.users.every_community"),
        ctx.t("auth.users.col.created_at"): f"{user.created_at:%Y-%m-%d %H:%M}",
        ctx.t("auth.users.col.locked_until"): f"{user.locked_until:%Y-%m-%d %H:%M}" if user.locked_until else "",
    } for user in users], hide_index=True, key="sv_users_table")

    add_column, passwd_column, remove_column = st.columns(3)
    with add_column, st.form("sv_user_add", clear_on_submit=True):
        st.subheader(ctx.t("auth.users.add_title"), anchor=False)
        name = st.text_input(ctx.t("auth.users.col.name"), key="sv_user_add_name")
        role = st.selectbox(ctx.t("auth.users.role"), accounts.ROLES, index=len(accounts.ROLES) - 1,
                            format_func=role_label, key="sv_user_add_role")
        communities = ctx.query("frame/communities")["community"].tolist()
        community = st.selectbox(ctx.t("auth.users.community"), [None, *communities], key="sv_user_add_community",
                                 format_func=lambda c: c or ctx.t("auth.users.every_community"))
        first, again = new_password("sv_user_add")
        if st.form_submit_button(ctx.t("auth.users.add"), type="primary", key="sv_user_add_submit"):
            if not refuse_different_passwords(first, again):
                apply(lambda con: accounts.add_user(con, name, first, role, community, by=ctx.user),
                      "auth.users.added", name.strip())

    with passwd_column, st.form("sv_user_passwd", clear_on_submit=True):
        st.subheader(ctx.t("auth.users.passwd_title"), anchor=False)
        target = st.selectbox(ctx.t("auth.users.passwd_user"), [user.name for user in users], key="sv_user_passwd_name")
        st.caption(ctx.t("auth.users.passwd_own"))
        first, again = new_password("sv_user_passwd")
        if st.form_submit_button(ctx.t("auth.users.passwd"), key="sv_user_passwd_submit"):
            if not refuse_different_passwords(first, again):
                apply(lambda con: accounts.set_password(con, target, first, by=ctx.user),
                      "auth.users.password_changed", target)

    with remove_column, st.form("sv_user_remove", clear_on_submit=True):
        st.subheader(ctx.t("auth.users.remove_title"), anchor=False)
        others = [user.name for user in users if user.name != ctx.user]
        target = st.selectbox(ctx.t("auth.users.remove_user"), others, key="sv_user_remove_name")
        confirmed = st.checkbox(ctx.t("auth.users.remove_confirm"), key="sv_user_remove_confirm")
        if st.form_submit_button(ctx.t("auth.users.remove"), key="sv_user_remove_submit") and confirmed and target:
            apply(lambda con: accounts.remove_user(con, target, by=ctx.user), "auth.users.removed", target)

with audit_tab:
    limit = st.number_input(ctx.t("auth.users.audit_limit"), min_value=10, max_value=10_000, value=200, step=50,
                            key="sv_audit_limit")
    with ctx.store.read() as con:
        entries = audit_log.recent(con, int(limit))
    entries["at"] = entries["at"].dt.strftime("%Y-%m-%d %H:%M:%S")
    st.dataframe(entries.rename(columns={c: ctx.t(f"auth.users.col.{c}") for c in entries.columns}),
                 hide_index=True, key="sv_audit_table")
