"""The overview's narrative rules (sinkview.metrics.narrative): which sentences, in which order, and
that every sentence quotes its numbers, the indicator's name and what it is compared with."""

from __future__ import annotations

import pandas as pd

from sinkview.metrics.declarations import INDICATORS
from sinkview.metrics.targets import Target
from sinkview.metrics.narrative import MAX_CHANGES, MAX_NAMED_CENTRES, Sentence, gap_sentences, narrative
from sinkview.i18n import indicator_name
from sinkview.metrics.scorecard import format_value


def target(indicator_id: str, value: float | None, direction: str) -> Target:
    return Target(indicator_id, value, direction, "test", "test")


TARGETS = {
    "rotation.township_coverage": target("rotation.township_coverage", 1.0, "higher"),
    "village.blank_villages": target("village.blank_villages", 0, "lower"),
    "village.licensed_share": target("village.licensed_share", 0.45, "higher"),
    "volume.in_county_admission_share": target("volume.in_county_admission_share", 0.90, "higher"),
    "referral.up": target("referral.up", None, "neutral"),
}
NO_GAPS = pd.DataFrame(columns=["inst_id", "inst_name", "township", "community", "last_visit"])


def values(**given) -> dict:
    found = {item.id: None for item in INDICATORS}
    found.update({key.replace("__", "."): value for key, value in given.items()})
    return found


def gaps(*names: str) -> pd.DataFrame:
    return pd.DataFrame({"inst_id": list(names), "inst_name": list(names), "township": "",
                         "community": "", "last_visit": None})


def test_largest_changes_come_first_largest_first_and_name_their_comparison():
    current = values(referral__rejection_rate=0.30, rotation__visits=130, rotation__experts=40)
    previous = values(referral__rejection_rate=0.10, rotation__visits=100, rotation__experts=39)
    year_ago = values(rotation__visits=120)
    sentences = narrative(current, previous, year_ago, {}, "zh", NO_GAPS)
    assert [s.indicator_ids for s in sentences] == [("referral.rejection_rate",), ("rotation.visits",)]
    rejection, visits = sentences
    assert rejection.topic == "referral"
    assert rejection.text == "拒收率为 30.0%，比上一期（10.0%）上升 20.0 个百分点，有所恶化。"
    assert visits.text == "下沉人次为 130，比上一期（100）上升 30（30.0%），有所改善。"


def test_the_comparison_in_which_the_change_is_larger_is_reported():
    current = values(rotation__visits=130)
    sentences = narrative(current, values(rotation__visits=120), values(rotation__visits=100), {}, "en", NO_GAPS)
    assert sentences[0].text == ("Expert visits stood at 130, up 30 (30.0%) on the same period a year before "
                                 "(100): an improvement.")


def test_a_value_that_crossed_below_zero_has_its_change_without_a_percentage():
    current = values(talent__net_grassroots=-9)
    sentences = narrative(current, values(talent__net_grassroots=13), values(), {}, "zh", NO_GAPS)
    assert sentences[0].text == "基层人才净流入为 -9，比上一期（13）下降 22，有所恶化。"
    sentences = narrative(values(talent__net_grassroots=0), values(talent__net_grassroots=13), values(), {}, "en",
                          NO_GAPS)
    assert "down 13 (100.0%)" in sentences[0].text


def test_small_changes_neutral_indicators_and_missing_values_say_nothing():
    current = values(rotation__visits=105, referral__up=500, rotation__experts=10)
    previous = values(rotation__visits=100, referral__up=100, rotation__experts=None)
    assert narrative(current, previous, values(), TARGETS, "zh", NO_GAPS) == []


def test_at_most_a_few_changes_are_reported():
    ids = ["rotation.visits", "rotation.experts", "rotation.expert_days", "talent.dispatched_down",
           "talent.trained_up"]
    current = values(**{i.replace(".", "__"): 200 for i in ids})
    previous = values(**{i.replace(".", "__"): 100 for i in ids})
    assert len(narrative(current, previous, values(), {}, "zh", NO_GAPS)) == MAX_CHANGES


def test_targets_missed_and_near_in_one_sentence_per_topic_or_all_met():
    current = values(rotation__township_coverage=1.0, village__blank_villages=9,
                     village__licensed_share=0.42, volume__in_county_admission_share=0.88)
    sentences = narrative(current, values(), values(), TARGETS, "zh", NO_GAPS)
    assert [(s.topic, s.indicator_ids) for s in sentences] == [
        ("rotation", ("rotation.township_coverage",)),
        ("village", ("village.blank_villages", "village.licensed_share")),
        ("volume", ("volume.in_county_admission_share",)),
    ]
    assert sentences[0].text == "专家下沉设有目标的指标均已达标：卫生院专家覆盖率 100.0%（目标 ≥ 100.0%）。"
    assert sentences[1].text == ("村卫生室覆盖未达目标：空白村数 9（目标 ≤ 0）；"
                                 "接近目标：执业(助理)医师占比 42.0%（目标 ≥ 45.0%）。")
    english = narrative(current, values(), values(), TARGETS, "en", NO_GAPS)
    assert english[1].text == ("Village clinics, target missed: Blank villages 9 (target ≤ 0); "
                               "near target: Licensed (assistant) physician share 42.0% (target ≥ 45.0%).")


def test_townships_no_expert_visited_are_named_with_the_coverage():
    current = values(rotation__township_coverage=0.9)
    [one] = gap_sentences(current, gaps("枫林乡卫生院"), "zh")
    assert one == Sentence("1 个乡镇卫生院本期没有专家下沉：枫林乡卫生院（卫生院专家覆盖率 90.0%）。",
                           "rotation", ("rotation.township_coverage",))
    names = [f"卫生院{n}" for n in range(MAX_NAMED_CENTRES + 2)]
    [many] = gap_sentences(current, gaps(*names), "en")
    assert many.text.startswith(f"{len(names)} township health centres had no visiting expert")
    assert names[MAX_NAMED_CENTRES - 1] in many.text and names[MAX_NAMED_CENTRES] not in many.text
    assert "and others (Township centres with an expert: 90.0%)." in many.text
    assert gap_sentences(current, NO_GAPS, "zh") == []


def test_every_sentence_quotes_the_values_and_names_of_its_indicators():
    current = values(rotation__township_coverage=0.85, rotation__visits=60, village__blank_villages=3,
                     village__licensed_share=0.5, talent__net_grassroots=-4)
    previous = values(rotation__township_coverage=0.95, rotation__visits=100, village__blank_villages=2)
    year_ago = values(talent__net_grassroots=2)
    for lang in ("zh", "en"):
        sentences = narrative(current, previous, year_ago, TARGETS, lang, gaps("大湖乡卫生院", "杨柳乡卫生院"))
        assert len(sentences) >= 3
        for sentence in sentences:
            for indicator_id in sentence.indicator_ids:
                assert indicator_name(indicator_id, lang) in sentence.text
                assert format_value(indicator_id, current[indicator_id], lang) in sentence.text
