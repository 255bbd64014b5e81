"""The practitioner registry: records, their INAMI periods and the treatment-record types."""
from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from . import record_tabs
from .identifiers import format_inami, niss_agreement_errors, validate_inami, validate_kbo, validate_niss
from .search import search_text

postcode_validator = RegexValidator(r"^\d{4}$", _("A Belgian postcode has 4 digits, e.g. 1000."), code="invalid_postcode")
phone_validator = RegexValidator(
    r"^\+?[0-9 ./()-]{6,25}$",
    _("Enter a phone number with digits only (spaces, dots, slashes, dashes and a leading + are allowed)."),
    code="invalid_phone",
)


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class Language(models.TextChoices):
    FRENCH = "fr", _("French")
    DUTCH = "nl", _("Dutch")
    GERMAN = "de", _("German")
    ENGLISH = "en", _("English")


class Salutation(models.TextChoices):
    MR = "mr", _("Mr")
    MRS = "mrs", _("Mrs")
    DR = "dr", _("Dr")
    PROF = "prof", _("Prof.")


class Category(models.TextChoices):
    HOLDER = "holder", _("Practice holder")
    ASSOCIATE = "associate", _("Associate")
    EMPLOYEE = "employee", _("Employee")
    REPLACEMENT = "replacement", _("Replacement")
    TRAINEE = "trainee", _("Trainee")


class ContactType(models.TextChoices):
    PROVIDER = "provider", _("Care provider of the practice")
    EXTERNAL = "external", _("External care provider")
    PRESCRIBER = "prescriber", _("Prescriber")


class Profession(models.TextChoices):
    PHYSIOTHERAPIST = "physiotherapist", _("Physiotherapist")
    DOCTOR = "doctor", _("Doctor")
    PODIATRIST = "podiatrist", _("Podiatrist")
    SPEECH_THERAPIST = "speech_therapist", _("Speech therapist")
    NURSE = "nurse", _("Nurse")
    MIDWIFE = "midwife", _("Midwife")
    DENTIST = "dentist", _("Dentist")
    DIETITIAN = "dietitian", _("Dietitian")
    PHARMACIST = "pharmacist", _("Pharmacist")


# The first digit of an INAMI number names a group of professions (INAMI's numbering). The first
# profession of a group is the one the CSV import assumes when a row names none; a profession
# outside every group (dietitian) has no digit of its own here.
INAMI_PROFESSION_GROUPS: dict[str, tuple[Profession, ...]] = {
    "1": (Profession.DOCTOR,),
    "3": (Profession.DENTIST,),
    "4": (Profession.NURSE, Profession.MIDWIFE),
    "5": (Profession.PHYSIOTHERAPIST, Profession.SPEECH_THERAPIST, Profession.PODIATRIST),
    "6": (Profession.PHARMACIST,),
}


def profession_for_inami(number: str) -> Profession | None:
    """The profession an INAMI number's first digit stands for, when it stands for one."""
    group = INAMI_PROFESSION_GROUPS.get(number[:1])
    return group[0] if group else None


def inami_first_digit(profession: Profession) -> str:
    """The first digit of the INAMI numbers of `profession`; KeyError for one in no group."""
    for digit, group in INAMI_PROFESSION_GROUPS.items():
        if profession in group:
            return digit
    raise KeyError(profession)


class TreatmentType(models.Model):
    """A kind of treatment record the practice keeps (physiotherapy, podiatry, ...): an editable list."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("treatment-record type")
        verbose_name_plural = _("treatment-record types")

    def __str__(self) -> str:
        return self.name


SEARCHED_FIELDS = ("last_name", "first_names", "initials", "niss", "enterprise_number")


class Practitioner(models.Model):
    """A care provider of the practice, as on the Oxygen record ("Administratif", "Info prestataire")."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    # Identity
    last_name = models.CharField(_("last name"), max_length=100)
    first_names = models.CharField(_("first names"), max_length=150)
    initials = models.CharField(_("initials"), max_length=10, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.FRENCH)
    salutation = models.CharField(_("salutation"), max_length=10, choices=Salutation.choices, blank=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, blank=True)
    specialisation = models.CharField(_("specialisation"), max_length=100, blank=True)
    contact_type = models.CharField(
        _("contact type"), max_length=20, choices=ContactType.choices, default=ContactType.PROVIDER
    )

    # Addresses and contact
    correspondence_street = models.CharField(_("street and number"), max_length=150, blank=True)
    correspondence_postcode = models.CharField(_("postcode"), max_length=4, blank=True, validators=[postcode_validator])
    correspondence_municipality = models.CharField(_("municipality"), max_length=100, blank=True)
    practice_street = models.CharField(_("street and number"), max_length=150, blank=True)
    practice_postcode = models.CharField(_("postcode"), max_length=4, blank=True, validators=[postcode_validator])
    practice_municipality = models.CharField(_("municipality"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=25, blank=True, validators=[phone_validator])
    mobile = models.CharField(_("mobile"), max_length=25, blank=True, validators=[phone_validator])
    email = models.EmailField(_("e-mail"), blank=True)

    # Identifiers (digits only)
    niss = models.CharField(_("NISS"), max_length=11, blank=True, validators=[validate_niss])
    approval_number = models.CharField(_("approval number"), max_length=30, blank=True)
    enterprise_number = models.CharField(
        _("enterprise number (KBO/BCE)"), max_length=10, blank=True, validators=[validate_kbo]
    )
    treatment_types = models.ManyToManyField(
        TreatmentType, verbose_name=_("treatment-record types"), blank=True, related_name="practitioners"
    )

    # What the registry search compares (practitioners/search.py), kept by save(); bulk writers fill it too.
    search_text = models.TextField(editable=False, blank=True, default="")

    is_active = models.BooleanField(_("active"), default=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="practitioner",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(m2m_fields=[treatment_types], excluded_fields=["updated_at", "search_text"])

    class Meta:
        ordering = ["last_name", "first_names", "pk"]
        verbose_name = _("practitioner")
        verbose_name_plural = _("practitioners")
        # What the pages ask for (practitioners.access); the roles get them in roles.ROLE_PERMISSIONS.
        permissions = [
            ("manage_registry", "Can list, see, create and edit every practitioner record"),
            ("exchange_registry_csv", "Can import and export the registry as CSV"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["niss"],
                condition=~Q(niss=""),
                name="practitioner_niss_unique_when_present",
                violation_error_message=_("Another practitioner already has this NISS."),
            ),
            models.CheckConstraint(
                condition=Q(niss="") | Q(niss__regex=r"^[0-9]{11}$"),
                name="practitioner_niss_eleven_digits",
            ),
            models.CheckConstraint(
                condition=Q(enterprise_number="") | Q(enterprise_number__regex=r"^[01][0-9]{9}$"),
                name="practitioner_kbo_ten_digits",
            ),
        ]
        indexes = [
            models.Index(fields=["last_name", "first_names"], name="practitioner_name_idx"),
            # The registry counts the active records on every page: an index-only scan, not the table.
            models.Index(fields=["is_active"], name="practitioner_active_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.last_name.upper()} {self.first_names}".strip()

    def save(self, *args, **kwargs) -> None:
        self.search_text = self.build_search_text()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and not set(update_fields).isdisjoint(SEARCHED_FIELDS):
            kwargs["update_fields"] = {*update_fields, "search_text"}
        super().save(*args, **kwargs)

    def build_search_text(self) -> str:
        return search_text(*(getattr(self, name) for name in SEARCHED_FIELDS))

    def get_absolute_url(self) -> str:
        return reverse("practitioners:detail", kwargs={"public_id": self.public_id})

    def get_certificate_tab_url(self) -> str:
        """The record opened on the tab that holds the eHealth certificate."""
        return record_tabs.url(self.get_absolute_url(), record_tabs.CERTIFICATE)

    def clean(self) -> None:
        super().clean()
        if self.niss:
            errors = niss_agreement_errors(self.niss, self.birth_date, self.sex or None)
            if errors:
                raise ValidationError(errors)

    def age_on(self, day: datetime.date) -> tuple[int, int, int] | None:
        """Age as (years, months, days) on `day`, as the Oxygen record shows it."""
        if self.birth_date is None or day < self.birth_date:
            return None
        return calendar_difference(self.birth_date, day)

    @property
    def age(self) -> tuple[int, int, int] | None:
        return self.age_on(timezone.localdate())

    def inami_periods_on(self, day: datetime.date) -> list[InamiPeriod]:
        """The periods running on `day` (from prefetched periods when there are)."""
        return [p for p in self.inami_periods.all() if p.covers(day)]

    def current_inami_period(self, day: datetime.date | None = None, profession: str | None = None) -> InamiPeriod | None:
        """The most recently started period running on `day` (today by default), of `profession` when given."""
        running = [p for p in self.inami_periods_on(day or timezone.localdate()) if profession in (None, p.profession)]
        return max(running, key=lambda p: p.start_date, default=None)

    def conventioned_on(self, day: datetime.date) -> bool:
        """Conventioned in any period running on `day`, as the registry list counts it."""
        return any(p.conventioned for p in self.inami_periods_on(day))


def calendar_difference(start: datetime.date, end: datetime.date) -> tuple[int, int, int]:
    """Whole years, months and days from `start` to `end` (end >= start)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day:
        months -= 1
    anchor_year, anchor_month = divmod(start.month - 1 + months, 12)
    anchor = _clamped_date(start.year + anchor_year, anchor_month + 1, start.day)
    return months // 12, months % 12, (end - anchor).days


def _clamped_date(year: int, month: int, day: int) -> datetime.date:
    while True:
        try:
            return datetime.date(year, month, day)
        except ValueError:
            day -= 1


def periods_overlap(
    start_a: datetime.date, end_a: datetime.date | None, start_b: datetime.date, end_b: datetime.date | None
) -> bool:
    """Inclusive date ranges; an open end runs forever."""
    return (end_b is None or start_a <= end_b) and (end_a is None or start_b <= end_a)


class InamiPeriod(models.Model):
    """An INAMI number held for one profession over a period, conventioned or not.

    Two periods of the same practitioner and profession never overlap: `clean()` says so to the
    user, and on PostgreSQL an exclusion constraint (migration 0002) guarantees it.
    """

    practitioner = models.ForeignKey(Practitioner, on_delete=models.CASCADE, related_name="inami_periods")
    profession = models.CharField(_("profession"), max_length=30, choices=Profession.choices)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    inami_number = models.CharField(_("INAMI number"), max_length=11, validators=[validate_inami])
    conventioned = models.BooleanField(_("conventioned"), default=False)

    history = HistoricalRecords()

    # Set by the record form's period formset, which checks the rows against each other instead.
    overlap_checked_elsewhere = False

    class Meta:
        ordering = ["profession", "-start_date"]
        verbose_name = _("INAMI period")
        verbose_name_plural = _("INAMI periods")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="inami_period_end_not_before_start",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
            models.CheckConstraint(
                condition=Q(inami_number__regex=r"^[0-9]{11}$"), name="inami_period_number_eleven_digits"
            ),
        ]
        indexes = [models.Index(fields=["inami_number"], name="inami_period_number_idx")]

    def __str__(self) -> str:
        return f"{self.get_profession_display()} {format_inami(self.inami_number)}"

    def covers(self, day: datetime.date) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)

    def clean(self) -> None:
        super().clean()
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The end date cannot be before the start date.")})
        if self.start_date and self.practitioner_id and self.profession and not self.overlap_checked_elsewhere:
            self._check_no_overlap()

    def _check_no_overlap(self) -> None:
        siblings = InamiPeriod.objects.filter(
            practitioner_id=self.practitioner_id, profession=self.profession
        ).exclude(pk=self.pk)
        for other in siblings:
            if periods_overlap(self.start_date, self.end_date, other.start_date, other.end_date):
                raise ValidationError(overlap_message(other))


def overlap_message(other: InamiPeriod) -> str:
    end = other.end_date.strftime("%d/%m/%Y") if other.end_date else _("no end date")
    return _("This period overlaps another %(profession)s period (%(start)s – %(end)s).") % {
        "profession": other.get_profession_display().lower(),
        "start": other.start_date.strftime("%d/%m/%Y"),
        "end": end,
    }


class UserPreference(models.Model):
    """A user's own choices: the interface language, set by the navbar's language switcher.

    Empty means "not chosen": a practitioner user then gets their record's language at login.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="preference"
    )
    language = models.CharField(_("interface language"), max_length=8, choices=settings.LANGUAGES, blank=True)

    class Meta:
        verbose_name = _("user preference")
        verbose_name_plural = _("user preferences")
        constraints = [
            models.CheckConstraint(
                condition=Q(language__in=["", *(code for code, _name in settings.LANGUAGES)]),
                name="user_preference_language_known",
            ),
        ]

    def __str__(self) -> str:
        return str(self.user)
