from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    """Accounts are created by the certifier (enrolment, jury composition), never by
    strangers: public sign-up is closed."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False
