"""Input of the desk's HTML forms and uploads."""

from typing import Any, cast

from django import forms

from conversations.models import AgentStatus, Tenant


class AgentCreateForm(forms.Form):
    name = forms.CharField(max_length=256)
    public_id = forms.CharField(max_length=64, required=False, label="Agent id")
    languages = forms.CharField(max_length=200, required=False, initial="en")
    queues = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple)
    status = forms.ChoiceField(
        choices=[(s.value, s.label) for s in (AgentStatus.AVAILABLE, AgentStatus.AWAY, AgentStatus.OFFLINE)],
        initial=AgentStatus.AVAILABLE,
    )

    def __init__(self, data: Any = None, *, tenant: Tenant) -> None:
        # One form per tenant on the page: the prefix keeps their fields apart.
        super().__init__(data, prefix=f"t-{tenant.pk}")
        self.tenant = tenant
        queues = cast(forms.MultipleChoiceField, self.fields["queues"])
        queues.choices = [(q.public_id, q.name) for q in tenant.queues.all()]

    def clean_languages(self) -> list[str]:
        raw = self.cleaned_data.get("languages") or ""
        return [part.strip() for part in raw.replace(";", ",").split(",") if part.strip()] or ["en"]


class AttachmentUploadForm(forms.Form):
    file = forms.FileField(allow_empty_file=True)
