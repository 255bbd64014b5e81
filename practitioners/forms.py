"""Record forms with the Oxygen tabs, and the inline INAMI periods (below the tabs, always in view)."""
from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Div, Fieldset, Layout, Row
from django import forms
from django.forms import inlineformset_factory
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from . import record_tabs
from .identifiers import clean_inami, clean_kbo, clean_niss
from .models import InamiPeriod, Practitioner, overlap_message, periods_overlap


class DateInput(forms.DateInput):
    """A dd/mm/yyyy text box: what Belgian practices type, in every interface language."""

    def __init__(self, **kwargs):
        kwargs.setdefault("format", "%d/%m/%Y")
        super().__init__(**kwargs)
        self.attrs.setdefault("placeholder", _("dd/mm/yyyy"))
        self.attrs.setdefault("inputmode", "numeric")


CONTACT_FIELDS = (
    "correspondence_street",
    "correspondence_postcode",
    "correspondence_municipality",
    "practice_street",
    "practice_postcode",
    "practice_municipality",
    "phone",
    "mobile",
    "email",
)


def _address_layout(prefix: str, legend):
    return Fieldset(
        legend,
        f"{prefix}_street",
        Row(Column(f"{prefix}_postcode", css_class="col-md-3"), Column(f"{prefix}_municipality", css_class="col-md-9")),
    )


def _contact_layout():
    return (
        Row(
            Column(_address_layout("correspondence", _("Correspondence address")), css_class="col-lg-6"),
            Column(_address_layout("practice", _("Practice address")), css_class="col-lg-6"),
        ),
        Row(Column("phone", css_class="col-md-4"), Column("mobile", css_class="col-md-4"), Column("email", css_class="col-md-4")),
    )


FORMATTED_IDENTIFIER_MAX_LENGTH = 20


def _identifier_field(model, name: str, help_text):
    """The model's field, with room for the usual formatting (dots, slashes, a BE prefix)."""
    return model._meta.get_field(name).formfield(max_length=FORMATTED_IDENTIFIER_MAX_LENGTH, help_text=help_text)


class TabPane(Div):
    """One tab's pane of the record form, open when it is the page's ``active_tab``."""

    def __init__(self, name: str, *fields):
        super().__init__(*fields, css_id=name)
        self.name = name

    def render(self, form, context, template_pack=None, **kwargs):
        return render_to_string(
            "practitioners/includes/form_tab_pane.html",
            {"name": self.name, "active": context.get("active_tab") == self.name,
             "fields": self.get_rendered_fields(form, context, template_pack, **kwargs)},
        )  # fmt: skip


class PractitionerForm(forms.ModelForm):
    """The whole record, for front desk and administrators."""

    niss = _identifier_field(
        Practitioner, "niss", _("11 digits, e.g. 85.07.30-033.28; dots, dashes and spaces are ignored.")
    )
    enterprise_number = _identifier_field(
        Practitioner, "enterprise_number", _("10 digits, e.g. 0566.988.259 or BE 0566.988.259.")
    )

    class Meta:
        model = Practitioner
        fields = (
            "last_name",
            "first_names",
            "initials",
            "birth_date",
            "sex",
            "language",
            "salutation",
            "category",
            "specialisation",
            "contact_type",
            *CONTACT_FIELDS,
            "niss",
            "approval_number",
            "enterprise_number",
            "treatment_types",
            "is_active",
        )
        widgets = {
            "birth_date": DateInput(),
            "treatment_types": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["treatment_types"].queryset = self.fields["treatment_types"].queryset.filter(is_active=True)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            TabPane(
                record_tabs.ADMINISTRATIVE,
                Row(
                    Column("salutation", css_class="col-md-2"),
                    Column("last_name", css_class="col-md-4"),
                    Column("first_names", css_class="col-md-4"),
                    Column("initials", css_class="col-md-2"),
                ),
                Row(
                    Column("birth_date", css_class="col-md-3"),
                    Column("sex", css_class="col-md-3"),
                    Column("language", css_class="col-md-3"),
                    Column("niss", css_class="col-md-3"),
                ),
                *_contact_layout(),
            ),
            TabPane(
                record_tabs.PROVIDER,
                Row(
                    Column("category", css_class="col-md-4"),
                    Column("specialisation", css_class="col-md-4"),
                    Column("contact_type", css_class="col-md-4"),
                ),
                Row(Column("approval_number", css_class="col-md-6"), Column("enterprise_number", css_class="col-md-6")),
                "treatment_types",
                "is_active",
            ),
        )

    def tabs_with_errors(self) -> frozenset[str]:
        """The tabs holding an error of this form (its non-field errors: the first tab)."""
        names = {pane.name: {pointer.name for pointer in pane.get_field_names()} for pane in self.helper.layout}
        tabs = {name for name, fields in names.items() if fields & self.errors.keys()}
        if self.non_field_errors():
            tabs.add(record_tabs.ADMINISTRATIVE)
        return frozenset(tabs)

    def clean_niss(self) -> str:
        return clean_niss(self.cleaned_data["niss"]) if self.cleaned_data["niss"] else ""

    def clean_enterprise_number(self) -> str:
        value = self.cleaned_data["enterprise_number"]
        return clean_kbo(value) if value else ""


class ContactForm(forms.ModelForm):
    """What a practitioner may change on their own record."""

    class Meta:
        model = Practitioner
        fields = CONTACT_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(*_contact_layout())


class InamiPeriodForm(forms.ModelForm):
    inami_number = _identifier_field(InamiPeriod, "inami_number", _("e.g. 5/38861/71/521"))

    class Meta:
        model = InamiPeriod
        fields = ("profession", "inami_number", "start_date", "end_date", "conventioned")
        widgets = {"start_date": DateInput(), "end_date": DateInput()}

    def clean_inami_number(self) -> str:
        return clean_inami(self.cleaned_data["inami_number"])


PERIOD_CONTROL_CLASSES = {forms.Select: "form-select form-select-sm", forms.CheckboxInput: "form-check-input"}


class BaseInamiPeriodFormSet(forms.BaseInlineFormSet):
    """The record's periods edited as one set: no two periods of one profession may overlap.

    Every stored period of the record is a row of this formset, so the rows are checked against
    each other here (with their new values), not against their stored values.
    """

    def add_fields(self, form, index) -> None:
        """Every control of a period row (DELETE included) gets Bootstrap's small classes."""
        super().add_fields(form, index)
        for field in form.fields.values():
            if not field.widget.is_hidden:
                field.widget.attrs["class"] = PERIOD_CONTROL_CLASSES.get(type(field.widget), "form-control form-control-sm")

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        form.instance.overlap_checked_elsewhere = True
        return form

    def clean(self) -> None:
        super().clean()
        kept = [
            form
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("start_date")
        ]
        for index, form in enumerate(kept):
            for other in kept[:index]:
                if self._overlap(form.cleaned_data, other.cleaned_data):
                    form.add_error(None, overlap_message(InamiPeriod(**self._period_fields(other.cleaned_data))))
                    break

    @staticmethod
    def _period_fields(data: dict) -> dict:
        return {"profession": data.get("profession"), "start_date": data["start_date"], "end_date": data.get("end_date")}

    @staticmethod
    def _overlap(data: dict, other: dict) -> bool:
        return data.get("profession") == other.get("profession") and periods_overlap(
            data["start_date"], data.get("end_date"), other["start_date"], other.get("end_date")
        )


InamiPeriodFormSet = inlineformset_factory(
    Practitioner,
    InamiPeriod,
    form=InamiPeriodForm,
    formset=BaseInamiPeriodFormSet,
    extra=1,
    can_delete=True,
)
