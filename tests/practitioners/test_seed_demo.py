"""`manage.py seed_demo` and `seed_demo_practice()`: the demo practice, valid and loaded once."""
import io

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError

from practitioners import access, roles
from practitioners.identifiers import clean_inami, clean_kbo, niss_agreement_errors, parse_niss
from practitioners.models import InamiPeriod, Practitioner, Profession, TreatmentType
from practitioners.demo import seed_demo_practice

pytestmark = pytest.mark.django_db


def login(username: str, password: str) -> User:
    user = User.objects.get(username=username)
    assert user.check_password(password) and user.is_active
    return user


def test_demo_practice_has_a_dozen_practitioners_of_several_professions_with_valid_identifiers():
    report = seed_demo_practice()
    practitioners = list(Practitioner.objects.prefetch_related("inami_periods", "treatment_types"))
    assert report.practitioners_created == len(practitioners) >= 12
    professions = {period.profession for p in practitioners for period in p.inami_periods.all()}
    assert {Profession.PHYSIOTHERAPIST, Profession.DOCTOR, Profession.PODIATRIST, Profession.SPEECH_THERAPIST,
            Profession.NURSE} <= professions
    assert {p.language for p in practitioners} == {"fr", "nl", "de"}
    for practitioner in practitioners:
        practitioner.full_clean()
        niss = parse_niss(practitioner.niss)
        assert niss.birth_date == practitioner.birth_date and niss.sex == practitioner.sex
        assert niss_agreement_errors(practitioner.niss, practitioner.birth_date, practitioner.sex) == {}
        clean_kbo(practitioner.enterprise_number)
        assert practitioner.treatment_types.exists()
        for period in practitioner.inami_periods.all():
            assert clean_inami(period.inami_number) == period.inami_number
            assert int(period.inami_number[6:8]) == 97 - int(period.inami_number[:6]) % 97
    assert len({p.niss for p in practitioners}) == len(practitioners)
    periods = InamiPeriod.objects.all()
    assert periods.filter(end_date__isnull=False).exists() and periods.filter(conventioned=True).exists()
    assert periods.filter(conventioned=False, end_date__isnull=True).exists()
    two_periods = [p for p in practitioners if p.inami_periods.count() == 2]
    assert two_periods and all(any(q.end_date for q in p.inami_periods.all()) for p in two_periods)
    assert set(TreatmentType.objects.values_list("code", flat=True)) >= {
        "physiotherapy", "podiatry", "speech-therapy", "nursing", "general-medicine",
    }


def groups(user) -> set[str]:
    return set(user.groups.values_list("name", flat=True))


ADMINISTRATORS_ONLY = (access.EXCHANGE_REGISTRY_CSV, access.MANAGE_ANY_CERTIFICATE, access.CERTIFICATES_OVERVIEW, access.AUDIT_LOG)


def test_demo_users_have_their_roles_and_passwords():
    seed_demo_practice()
    admin = login("admin", "demo-admin-2026")
    assert admin.is_staff and roles.ADMINISTRATOR in groups(admin)
    assert all(access.allowed(admin, permission) for permission in (access.MANAGE_REGISTRY, *ADMINISTRATORS_ONLY))
    front_desk = login("accueil", "demo-accueil-2026")
    assert roles.FRONT_DESK in groups(front_desk) and roles.ADMINISTRATOR not in groups(front_desk)
    assert not front_desk.is_superuser and not front_desk.is_staff
    assert access.allowed(front_desk, access.MANAGE_REGISTRY)
    assert not any(access.allowed(front_desk, permission) for permission in ADMINISTRATORS_ONLY)
    jan = login("jan.peeters", "demo-praticien-2026")
    assert groups(jan).isdisjoint({roles.ADMINISTRATOR, roles.FRONT_DESK}) and not jan.is_superuser
    assert roles.PRACTITIONER in groups(jan) and access.own_practitioner(jan) is not None and not jan.is_staff
    assert not any(access.allowed(jan, permission) for permission in (access.MANAGE_REGISTRY, *ADMINISTRATORS_ONLY))
    assert jan.practitioner.last_name == "Peeters"
    linked = Practitioner.objects.filter(user__groups__name=roles.PRACTITIONER)
    assert linked.count() >= 2


def test_running_twice_duplicates_nothing():
    seed_demo_practice()
    counts = (Practitioner.objects.count(), InamiPeriod.objects.count(), User.objects.count(),
              TreatmentType.objects.count())
    User.objects.get(username="jan.peeters").groups.clear()
    report = seed_demo_practice()
    assert report.practitioners_created == 0 and report.practitioners_existing == counts[0]
    assert (Practitioner.objects.count(), InamiPeriod.objects.count(), User.objects.count(),
            TreatmentType.objects.count()) == counts
    assert access.own_practitioner(User.objects.get(username="jan.peeters")) is not None
    assert User.objects.get(username="jan.peeters").groups.filter(name=roles.PRACTITIONER).exists()


def test_command_prints_the_logins(settings):
    settings.DEBUG = True
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    text = out.getvalue()
    assert "12 created" in text
    for username, password in (("admin", "demo-admin-2026"), ("accueil", "demo-accueil-2026"),
                               ("jan.peeters", "demo-praticien-2026")):
        assert any(username in line and password in line for line in text.splitlines())
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "0 created, 12 already present" in out.getvalue()


def test_command_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError) as error:
        call_command("seed_demo", stdout=io.StringIO())
    assert error.value.returncode == 2
    assert not User.objects.filter(username="admin").exists()
    call_command("seed_demo", "--allow-production", stdout=io.StringIO())
    assert User.objects.filter(username="admin").exists()
