"""The demo practice loaded by `manage.py seed_demo`: valid identifiers, users of each role."""
from __future__ import annotations

import datetime
import unicodedata
from dataclasses import dataclass, field

from django.contrib.auth.models import Group, User
from django.db import transaction

from . import roles
from .models import (
    InamiPeriod,
    Practitioner,
    Profession,
    Sex,
    TreatmentType,
    inami_first_digit,
)

DEMO_PASSWORDS = {
    roles.ADMINISTRATOR: "demo-admin-2026",
    roles.FRONT_DESK: "demo-accueil-2026",
    roles.PRACTITIONER: "demo-praticien-2026",
}
DEMO_TREATMENT_TYPES = (
    ("physiotherapy", "Kinésithérapie"),
    ("podiatry", "Podologie"),
    ("speech-therapy", "Logopédie"),
    ("nursing", "Soins infirmiers"),
    ("general-medicine", "Médecine générale"),
)
PROFESSION_TREATMENT = {
    Profession.PHYSIOTHERAPIST: "physiotherapy",
    Profession.PODIATRIST: "podiatry",
    Profession.SPEECH_THERAPIST: "speech-therapy",
    Profession.NURSE: "nursing",
    Profession.DOCTOR: "general-medicine",
}


@dataclass(frozen=True)
class DemoPeriod:
    qualification: str
    start: datetime.date
    end: datetime.date | None
    conventioned: bool


@dataclass(frozen=True)
class DemoPractitioner:
    last_name: str
    first_names: str
    sex: str
    birth_date: datetime.date
    language: str
    profession: str
    person_number: int  # the 5 digits after the profession digit of the INAMI number
    street: str
    postcode: str
    municipality: str
    phone: str
    periods: tuple[DemoPeriod, ...]
    username: str = ""


def _d(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


DEMO_PRACTITIONERS = (
    DemoPractitioner("Peeters", "Jan", "M", _d("1985-07-30"), "nl", Profession.PHYSIOTHERAPIST, 38861,
                     "Bondgenotenlaan 12", "3000", "Leuven", "+32 16 22 33 44",
                     (DemoPeriod("521", _d("2009-09-01"), _d("2017-12-31"), False),
                      DemoPeriod("528", _d("2018-01-01"), None, True)), username="jan.peeters"),
    DemoPractitioner("Dubois", "Marie", "F", _d("1990-03-12"), "fr", Profession.PHYSIOTHERAPIST, 41207,
                     "Rue de Fer 25", "5000", "Namur", "081 22 45 67",
                     (DemoPeriod("521", _d("2013-10-01"), None, True),), username="marie.dubois"),
    DemoPractitioner("Janssens", "Luc", "M", _d("1972-11-04"), "nl", Profession.DOCTOR, 23456,
                     "Veldstraat 40", "9000", "Gent", "09 223 45 67",
                     (DemoPeriod("004", _d("2000-07-01"), None, True),), username="luc.janssens"),
    DemoPractitioner("Lambert", "Sophie", "F", _d("1981-05-21"), "fr", Profession.DOCTOR, 30815,
                     "Boulevard d'Avroy 8", "4000", "Liège", "04 221 33 10",
                     (DemoPeriod("005", _d("2006-10-01"), _d("2009-09-30"), False),
                      DemoPeriod("004", _d("2009-10-01"), None, False))),
    DemoPractitioner("Müller", "Thomas", "M", _d("1978-02-08"), "de", Profession.PHYSIOTHERAPIST, 27733,
                     "Klötzerbahn 15", "4700", "Eupen", "087 55 12 34",
                     (DemoPeriod("521", _d("2002-03-01"), None, False),)),
    DemoPractitioner("Schmitz", "Anke", "F", _d("1995-09-30"), "de", Profession.PODIATRIST, 60412,
                     "Hauptstraße 30", "4780", "Sankt Vith", "080 22 11 00",
                     (DemoPeriod("581", _d("2019-01-15"), None, True),)),
    DemoPractitioner("Claes", "Nathalie", "F", _d("1988-12-01"), "nl", Profession.PODIATRIST, 52290,
                     "Meir 50", "2000", "Antwerpen", "03 231 45 67",
                     (DemoPeriod("581", _d("2012-05-01"), None, False),)),
    DemoPractitioner("Renard", "Élodie", "F", _d("2001-04-17"), "fr", Profession.SPEECH_THERAPIST, 71548,
                     "Rue Neuve 100", "1000", "Bruxelles", "02 512 34 56",
                     (DemoPeriod("611", _d("2023-09-01"), None, True),)),
    DemoPractitioner("De Smet", "Pieter", "M", _d("1969-06-25"), "nl", Profession.NURSE, 15873,
                     "Steenstraat 20", "8000", "Brugge", "050 33 44 55",
                     (DemoPeriod("401", _d("1992-09-01"), _d("2015-06-30"), False),
                      DemoPeriod("404", _d("2015-07-01"), None, True))),
    DemoPractitioner("Lejeune", "Camille", "F", _d("1993-08-14"), "fr", Profession.PHYSIOTHERAPIST, 63019,
                     "Grand-Place 3", "7000", "Mons", "065 31 22 11",
                     (DemoPeriod("521", _d("2016-09-01"), None, True),)),
    DemoPractitioner("El Amrani", "Karim", "M", _d("1986-01-19"), "fr", Profession.DOCTOR, 48822,
                     "Boulevard Tirou 60", "6000", "Charleroi", "071 30 40 50",
                     (DemoPeriod("004", _d("2014-10-01"), None, True),)),
    DemoPractitioner("Vermeulen", "Lotte", "F", _d("2002-10-05"), "nl", Profession.PHYSIOTHERAPIST, 90117,
                     "Grote Markt 5", "3500", "Hasselt", "011 22 33 44",
                     (DemoPeriod("521", _d("2025-02-01"), None, False),)),
)


def make_niss(birth_date: datetime.date, sex: str, index: int) -> str:
    """A valid NISS for `birth_date` and `sex`: sequence odd for men, even for women."""
    sequence = 2 * index + (1 if sex == Sex.MALE else 2)
    first9 = f"{birth_date:%y%m%d}{sequence:03d}"
    base = int(first9) + (2_000_000_000 if birth_date.year >= 2000 else 0)
    return f"{first9}{97 - base % 97:02d}"


def make_inami(first_digit: int, person_number: int, qualification: str) -> str:
    """A valid INAMI number (mod 97 check digits) from its parts."""
    first6 = f"{first_digit}{person_number:05d}"
    return f"{first6}{97 - int(first6) % 97:02d}{qualification}"


def make_kbo(seed: int) -> str:
    """A valid enterprise number starting with 0."""
    first8 = f"0{seed:07d}"
    return f"{first8}{97 - int(first8) % 97:02d}"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    practitioner: str = ""


@dataclass
class DemoReport:
    practitioners_created: int = 0
    practitioners_existing: int = 0
    logins: list[DemoLogin] = field(default_factory=list)


def _demo_user(username: str, role: str, *, first_name: str = "", last_name: str = "", email: str = "",
               is_staff: bool = False) -> User:
    user, _created = User.objects.get_or_create(
        username=username, defaults={"first_name": first_name, "last_name": last_name, "email": email}
    )
    user.is_staff = is_staff
    user.set_password(DEMO_PASSWORDS[role])
    user.save()
    user.groups.add(Group.objects.get(name=role))
    return user


def _ascii_slug(text: str) -> str:
    """"Élodie.De Smet" -> "elodie.desmet": for the demo e-mail addresses."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(char for char in ascii_text.lower() if char.isalnum() or char == ".")


def _demo_practitioner(index: int, demo: DemoPractitioner, types: dict[str, TreatmentType]) -> tuple[Practitioner, bool]:
    niss = make_niss(demo.birth_date, demo.sex, index)
    existing = Practitioner.objects.filter(niss=niss).first()
    if existing is not None:
        return existing, False
    email_name = _ascii_slug(f"{demo.first_names}.{demo.last_name}")
    practitioner = Practitioner(
        last_name=demo.last_name, first_names=demo.first_names, initials=f"{demo.first_names[0]}.",
        birth_date=demo.birth_date, sex=demo.sex, language=demo.language, niss=niss,
        email=f"{email_name}@example.be", phone=demo.phone,
        practice_street=demo.street, practice_postcode=demo.postcode, practice_municipality=demo.municipality,
        correspondence_street=demo.street, correspondence_postcode=demo.postcode,
        correspondence_municipality=demo.municipality,
        enterprise_number=make_kbo(4_100_000 + index * 7919),
        salutation="dr" if demo.profession == Profession.DOCTOR else ("mr" if demo.sex == Sex.MALE else "mrs"),
        category="holder" if index == 0 else "associate",
    )
    practitioner.full_clean()
    practitioner.save()
    practitioner.treatment_types.add(types[PROFESSION_TREATMENT[demo.profession]])
    for period in demo.periods:
        inami = InamiPeriod(
            practitioner=practitioner, profession=demo.profession, start_date=period.start, end_date=period.end,
            inami_number=make_inami(int(inami_first_digit(demo.profession)), demo.person_number, period.qualification),
            conventioned=period.conventioned,
        )
        inami.full_clean()
        inami.save()
    return practitioner, True


@transaction.atomic
def seed_demo_practice() -> DemoReport:
    """Load the demo practice: treatment types, a dozen practitioners, and a user of each role.

    Idempotent: records are matched by NISS, users by username (their demo password is reset).
    """
    report = DemoReport()
    roles.ensure_role_groups()
    types = {}
    for code, name in DEMO_TREATMENT_TYPES:
        types[code], _created = TreatmentType.objects.get_or_create(code=code, defaults={"name": name})
    _demo_user("admin", roles.ADMINISTRATOR, first_name="Admin", email="admin@cabinet-demo.be", is_staff=True)
    report.logins.append(DemoLogin("admin", DEMO_PASSWORDS[roles.ADMINISTRATOR], roles.ADMINISTRATOR))
    _demo_user("accueil", roles.FRONT_DESK, first_name="Nadia", last_name="Lemaire")  # the front desk
    report.logins.append(DemoLogin("accueil", DEMO_PASSWORDS[roles.FRONT_DESK], roles.FRONT_DESK))
    for index, demo in enumerate(DEMO_PRACTITIONERS):
        practitioner, created = _demo_practitioner(index, demo, types)
        report.practitioners_created += created
        report.practitioners_existing += not created
        if demo.username:
            user = _demo_user(demo.username, roles.PRACTITIONER, first_name=demo.first_names,
                              last_name=demo.last_name, email=practitioner.email)
            if practitioner.user_id != user.pk:
                Practitioner.objects.filter(user=user).exclude(pk=practitioner.pk).update(user=None)
                practitioner.user = user
                practitioner.save(update_fields=["user"])
            report.logins.append(
                DemoLogin(demo.username, DEMO_PASSWORDS[roles.PRACTITIONER], roles.PRACTITIONER, str(practitioner))
            )
    return report
