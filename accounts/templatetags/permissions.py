"""``{% load permissions %}``: templates ask accounts/permissions.py, never compare roles.

    {% if user|is_administrator %}…{% endif %}
"""

from django import template

from accounts import permissions

register = template.Library()

register.filter("is_administrator", permissions.is_administrator)
register.filter("is_jury_member", permissions.is_jury_member)
register.filter("is_candidate", permissions.is_candidate)
register.filter("may_read_audit", permissions.may_read_audit)
register.filter("may_manage_tokens", permissions.may_manage_tokens)
