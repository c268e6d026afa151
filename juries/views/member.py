"""The jury member's home: the candidates assigned to them, by épreuve, with their
scoring progress (DESIGN.md §1, §8). Anyone without an assignment sees an empty list."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from juries.selectors import sessions_presided_by, sittings_with_progress_for_scorer


@login_required
def member_home(request: HttpRequest) -> HttpResponse:
    sittings = list(sittings_with_progress_for_scorer(user=request.user))
    presided = list(sessions_presided_by(user=request.user))
    return render(request, "juries/member_home.html",
                  {"sittings": sittings, "presided": presided})


urlpatterns = [
    path("", member_home, name="member_home"),
]
