"""The jury member's home: the candidates assigned to them, by épreuve, with their
scoring progress (DESIGN.md §1, §8). Anyone without an assignment sees an empty list.

Only sittings still open for scoring are listed: once a deliberation is signed its
sittings are locked and read-only, and listing a member's whole history made the page
grow with every session (32 s for a member of 20,000 sittings, docs/benchmarks.md).
The member's sessions are listed one line each, signed ones included (« Deliberation
signed on … », with the read-only deliberation), so that a member whose sessions are all
signed is not told that nothing was ever assigned to them."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from deliberations.selectors import member_sessions
from juries.selectors import sittings_with_progress_for_scorer


@login_required
def member_home(request: HttpRequest) -> HttpResponse:
    sittings = list(sittings_with_progress_for_scorer(user=request.user)
                    .filter(locked_at__isnull=True))
    sessions = list(member_sessions(user=request.user))
    return render(request, "deliberations/member_home.html", {
        "sittings": sittings, "sessions": sessions,
        "ever_assigned": any(session.assigned for session in sessions)})


urlpatterns = [
    path("", member_home, name="member_home"),
]
