"""Durations and percentages in the reader's language: « 2 h 30 » / « 2 hr 30 min »,
« 33 % » (narrow no-break space) / « 33% »."""

import pytest
from django.template import Context, Template
from django.utils import translation

from certifications.units import format_duration, format_percent

NBSP, NNBSP = "\u00a0", "\u202f"


@pytest.mark.parametrize(("minutes", "english", "french"), [
    (150, "2 hr 30 min", f"2{NBSP}h{NBSP}30"),
    (125, "2 hr 5 min", f"2{NBSP}h{NBSP}05"),
    (180, "3 hr", f"3{NBSP}h"),
    (45, "45 min", f"45{NBSP}min"),
    (None, "", ""),
])
def test_a_duration_reads_the_languages_way(minutes, english, french):
    with translation.override("en"):
        assert format_duration(minutes) == english
    with translation.override("fr"):
        assert format_duration(minutes) == french


@pytest.mark.parametrize(("value", "english", "french"), [
    (33, "33%", f"33{NNBSP}%"),
    (50.5, "50.5%", f"50,5{NNBSP}%"),
    (None, "", ""),
])
def test_a_percentage_reads_the_languages_way(value, english, french):
    with translation.override("en"):
        assert format_percent(value) == english
    with translation.override("fr"):
        assert format_percent(value) == french


def test_the_template_filters_say_the_same_and_ignore_junk():
    template = Template("{% load units %}{{ m|duration }}|{{ p|percent }}|{{ junk|duration }}")
    with translation.override("fr"):
        assert template.render(Context({"m": 90, "p": 75, "junk": "abc"})) == (
            f"1{NBSP}h{NBSP}30|75{NNBSP}%|")
    with translation.override("en"):
        assert template.render(Context({"m": 90, "p": 75})) == "1 hr 30 min|75%|"
