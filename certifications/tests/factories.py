import datetime

import factory

from certifications.models import Certification, Partner, PartnerKind, PartnerSource


def siret_with_key(first13: str) -> str:
    """The fourteen-digit SIRET whose Luhn key completes ``first13``."""
    for key in "0123456789":
        digits = first13 + key
        total = sum(
            (v - 9 if v > 9 else v)
            for v in (int(d) * (2 if i % 2 else 1) for i, d in enumerate(reversed(digits)))
        )
        if total % 10 == 0:
            return digits
    raise AssertionError("unreachable")


class CertificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Certification

    code = factory.Sequence(lambda n: f"RNCP{80000 + n}")
    title = factory.Sequence(lambda n: f"Certification {n}")


class PartnerFactory(factory.django.DjangoModelFactory):
    """A partner habilitated to prepare and organise from 2025 on, entered by hand."""

    class Meta:
        model = Partner

    certification = factory.SubFactory(CertificationFactory)
    legal_name = factory.Sequence(lambda n: f"Organisme partenaire {n}")
    siret = factory.Sequence(lambda n: siret_with_key(f"{500000000 + n}0001"))
    kind = PartnerKind.BOTH
    starts_on = datetime.date(2025, 1, 1)
    ends_on = None
    active = True
    source = PartnerSource.MANUAL
