"""What each page reads, declared as data: its KPI ids, its named queries with the parameters
it adds by default, and the periods it compares the indicators over.

Pages take their KPI list and query defaults from here, the overview its comparison periods,
the briefing its KPIs, and the benchmark and the tests read the same declaration to know what a
page runs for the default filters (no one parses page source). A query chosen by a widget
lists the alternatives; the first is the default.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sinkview.metrics import periods
from sinkview.metrics.declarations import INDICATORS, TOPICS

Period = tuple[dt.date, dt.date]
TREND_QUARTERS = 8
COMPARISONS = ("previous", "year_ago", "quarters")


@dataclass(frozen=True)
class QueryNeed:
    name: str
    defaults: tuple[tuple[str, object], ...] = ()  # parameters the page adds to the filters
    alternatives: tuple[str, ...] = ()             # other queries a widget may choose instead
    conditional: bool = False                      # runs only when an earlier result has rows

    def default(self, parameter: str):
        return dict(self.defaults)[parameter]


@dataclass(frozen=True)
class PageNeeds:
    page: str
    kpis: tuple[str, ...] = ()          # indicator cards: now and the previous period, one pass
    comparisons: tuple[str, ...] = ()   # previous | year_ago | quarters: besides now, one pass
    league: bool = False                # every community for the period, one pass
    queries: tuple[QueryNeed, ...] = ()

    @property
    def topics(self) -> tuple[str, ...]:
        """The topics of the indicators the page shows (all of them with a league or scorecard)."""
        if self.league or self.comparisons:
            return TOPICS
        return tuple(dict.fromkeys(i.split(".", 1)[0] for i in self.kpis))

    def query(self, name: str) -> QueryNeed:
        return next(need for need in self.queries if need.name == name)


def _ids(topic: str, *names: str) -> tuple[str, ...]:
    return tuple(f"{topic}.{name}" for name in names)


NEEDS: dict[str, PageNeeds] = {needs.page: needs for needs in (
    PageNeeds(
        "overview",
        kpis=tuple(item.id for item in INDICATORS),
        comparisons=COMPARISONS,
        league=True,
        queries=(QueryNeed("frame/data_range"), QueryNeed("overview/townships_without_expert"),
                 QueryNeed("quality/volume_completeness"), QueryNeed("quality/checks"),
                 QueryNeed("frame/communities")),
    ),
    PageNeeds(
        "rotation",
        kpis=_ids("rotation", "expert_days", "visits", "experts", "township_coverage", "senior_share",
                  "resident_experts", "patients_served", "stationed_per_10k"),
        comparisons=(),
        queries=(QueryNeed("rotation/coverage_by_month", alternatives=("rotation/coverage_by_specialty",)),
                 QueryNeed("rotation/stint_timeline", (("limit", 200),)),
                 QueryNeed("rotation/activity_by_month"), QueryNeed("rotation/party_share_by_month"),
                 QueryNeed("rotation/township_gaps"), QueryNeed("rotation/short_visit_experts")),
    ),
    PageNeeds(
        "referral",
        kpis=_ids("referral", "up", "down", "down_up_ratio", "out_of_county_share", "rejection_rate",
                  "median_accept_days", "patients", "lateral"),
        queries=(QueryNeed("referral/flows_by_tier", alternatives=("referral/flows_by_institution",)),
                 QueryNeed("referral/referrals_by_month"), QueryNeed("referral/out_of_county_by_chapter"),
                 QueryNeed("referral/out_of_county_top_codes", (("limit", 10),)),
                 QueryNeed("referral/institution_balance")),
    ),
    PageNeeds(
        "village",
        kpis=_ids("village", "villages", "clinic_coverage", "blank_villages", "licensed_share",
                  "doctors_per_1000", "signing_rate", "ecg_coverage", "population"),
        queries=(QueryNeed("village/village_points"), QueryNeed("village/township_centres"),
                 QueryNeed("village/villages_without_coordinates"), QueryNeed("village/township_coverage"),
                 QueryNeed("village/blank_villages"), QueryNeed("village/coverage_trend")),
    ),
    PageNeeds(  # the briefing page, its deck and `python -m sinkview briefing`
        "briefing",
        kpis=tuple(item.id for item in INDICATORS),
        comparisons=("previous", "year_ago"),
        queries=(QueryNeed("overview/townships_without_expert"), QueryNeed("quality/volume_completeness"),
                 QueryNeed("rotation/coverage_by_month"),
                 QueryNeed("referral/flows_by_tier"), QueryNeed("village/village_points"),
                 QueryNeed("village/township_centres"), QueryNeed("talent/grassroots_net_by_township"),
                 QueryNeed("party/service_by_township")),
    ),
    PageNeeds(
        "party",
        kpis=_ids("party", "organisations", "members", "institution_coverage", "clinic_coverage",
                  "meeting_regularity", "member_turnout", "theme_days", "free_clinics", "residents_served",
                  "grassroots_service_share", "fusion_projects", "expert_days_share"),
        queries=(QueryNeed("party/organisation_tree"), QueryNeed("party/uncovered_institutions"),
                 QueryNeed("party/branch_months"), QueryNeed("party/service_by_township"),
                 QueryNeed("party/township_comparison"), QueryNeed("party/fusion_projects"),
                 QueryNeed("party/project_activities", conditional=True)),
    ),
    PageNeeds(
        "talent",
        kpis=_ids("talent", "dispatched_down", "trained_up", "senior_dispatch_share", "party_dispatch_share",
                  "grassroots_inflow", "grassroots_outflow", "net_grassroots"),
        queries=(QueryNeed("talent/tier_flows"), QueryNeed("talent/grassroots_net_by_township"),
                 QueryNeed("talent/monthly_movements"), QueryNeed("talent/mover_profile"),
                 QueryNeed("talent/dispatch_quality")),
    ),
)}


def page_needs(page: str) -> PageNeeds:
    return NEEDS[page]


# --------------------------------------------------------------------------- periods compared

def year_before(day: dt.date) -> dt.date:
    """The same calendar day a year earlier (29 February becomes the 28th)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def year_ago_period(start: dt.date, end: dt.date) -> Period:
    return year_before(start), year_before(end)


def trend_periods(end: dt.date, count: int = TREND_QUARTERS) -> list[Period]:
    """The ``count`` calendar quarters ending with the quarter of ``end``, oldest first."""
    year, quarter = periods.quarter_of(end)
    index = year * 4 + quarter - 1
    return [periods.quarter_range(i // 4, i % 4 + 1) for i in range(index - count + 1, index + 1)]


def compared_periods(needs: PageNeeds, start: dt.date, end: dt.date) -> dict[str, list[Period]]:
    """The periods a page evaluates in one pass: now, then each comparison it declares (the KPI
    cards compare with the previous period)."""
    found = {"now": [(start, end)]}
    if needs.kpis or "previous" in needs.comparisons:
        found["previous"] = [periods.previous_period(start, end)]
    if "year_ago" in needs.comparisons:
        found["year_ago"] = [year_ago_period(start, end)]
    if "quarters" in needs.comparisons:
        found["quarters"] = trend_periods(end)
    return found
