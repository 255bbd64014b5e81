"""Fast seeding of a bench database with bulk_create: practitioners, INAMI periods, certificates.

Rows are plausible, not valid identities (11-digit NISS and INAMI numbers that need not pass their
checksums: bulk_create runs no model validation, as a migration from another system would not).
Certificate rows carry a placeholder instead of an encrypted keystore: no page or scan reads it.
"""
from __future__ import annotations

import random
import uuid
from datetime import date, datetime, timedelta

from django.contrib.auth.models import Group, User

from ehealth_certs.models import Certificate, CertificateState
from practitioners import roles
from practitioners.models import InamiPeriod, Practitioner, Profession

BATCH = 5000
LAST_NAMES = ["Peeters", "Janssens", "Maes", "Jacobs", "Dubois", "Lambert", "Dupont", "Martin", "Claes", "Wouters"]
FIRST_NAMES = ["Jan", "Marie", "Luc", "Sophie", "Pieter", "Julie", "Thomas", "Emma", "Lucas", "Laura"]
LANGUAGES = ["fr", "nl", "de", "en"]


def practitioners(count: int, *, inactive_share: float = 0.05, seed: int = 7) -> list[Practitioner]:
    rng = random.Random(seed)
    rows = [
        Practitioner(
            public_id=uuid.uuid4(),
            last_name=f"{rng.choice(LAST_NAMES)}{index:06d}",
            first_names=rng.choice(FIRST_NAMES),
            birth_date=date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 50)),
            sex=rng.choice("MF"),
            language=rng.choice(LANGUAGES),
            email=f"practitioner{index}@example.be",
            niss=f"{index:011d}",
            is_active=rng.random() >= inactive_share,
        )
        for index in range(count)
    ]
    for row in rows:  # bulk_create skips save(), which keeps the search column
        row.search_text = row.build_search_text()
    return Practitioner.objects.bulk_create(rows, batch_size=BATCH)


def periods(records: list[Practitioner], *, seed: int = 8) -> int:
    """One running period each; a third also have an ended one (another number, earlier)."""
    rng = random.Random(seed)
    professions = [choice for choice, _ in Profession.choices]
    rows = []
    for index, record in enumerate(records):
        profession = rng.choice(professions)
        rows.append(InamiPeriod(practitioner=record, profession=profession, start_date=date(2015, 1, 1),
                                inami_number=f"5{index:010d}", conventioned=rng.random() > 0.3))  # fmt: skip
        if index % 3 == 0:
            rows.append(InamiPeriod(practitioner=record, profession=profession, start_date=date(2008, 1, 1),
                                    end_date=date(2014, 12, 31), inami_number=f"4{index:010d}"))  # fmt: skip
    InamiPeriod.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


def certificates(records: list[Practitioner], *, now: datetime, due_fraction: float | None = None, seed: int = 9) -> int:
    """One active certificate per record, and a superseded one for every fourth.

    Expiry dates: spread evenly from 30 days ago to 3 years ahead (eHealth certificates last about
    3 years, so about a tenth are inside the 3-month window or expired); with ``due_fraction``,
    that share of them expires within the next 3 months instead (the rest 6 to 36 months ahead).
    """
    rng = random.Random(seed)
    rows = []
    for record in records:
        if due_fraction is None:
            not_after = now + timedelta(days=rng.uniform(-30, 3 * 365))
        elif rng.random() < due_fraction:
            not_after = now + timedelta(days=rng.uniform(1, 89))
        else:
            not_after = now + timedelta(days=rng.uniform(180, 3 * 365))
        rows.append(_certificate(record, not_after, CertificateState.ACTIVE, now))
        if record.pk % 4 == 0:
            rows.append(_certificate(record, not_after - timedelta(days=3 * 365), CertificateState.SUPERSEDED, now))
    Certificate.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


def _certificate(record: Practitioner, not_after: datetime, state: str, now: datetime) -> Certificate:
    return Certificate(
        public_id=uuid.uuid4(), practitioner=record, state=state, encrypted_keystore=b"bench placeholder",
        subject=f"CN=SSIN={record.niss}, O=Federal Government, C=BE", issuer="CN=bench issuing CA",
        serial=uuid.uuid4().hex, fingerprint_sha256=uuid.uuid4().hex * 2, identifiers={"ssin": record.niss},
        environment="production", not_before=not_after - timedelta(days=3 * 365), not_after=not_after,
        file_name="bench.p12", file_size=7800, uploaded_at=now, uploaded_via="web",
        superseded_at=now if state == CertificateState.SUPERSEDED else None,
    )  # fmt: skip


def front_desk_user(username: str = "bench-front-desk", password: str = "bench-password-1234") -> User:
    user = User.objects.create_user(username=username, password=password)
    user.groups.add(Group.objects.get(name=roles.FRONT_DESK))
    return user
