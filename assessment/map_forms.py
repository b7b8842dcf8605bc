"""Forms of the pilot-area filter on the 911 analysis page: choose areas or a boundary, or
upload a GeoJSON boundary."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from assessment import map_services
from assessment.forms import UNKNOWN_AREA_VALUE
from assessment.map_models import CfsBoundary


class BoundaryChoice(forms.ModelChoiceField):
    """A boundary, with the state of its count when it is not counted: one still counting may
    be chosen, and applies once counted."""

    def label_from_instance(self, obj: CfsBoundary) -> str:
        if obj.is_counted:
            return obj.name
        if obj.is_pending:
            return _("%(name)s (being counted)") % {"name": obj.name}
        return _("%(name)s (not counted: count it again)") % {"name": obj.name}


class CfsPilotAreaForm(forms.Form):
    """Areas (none ticked: all) and/or one uploaded boundary (none: no boundary)."""

    areas = forms.MultipleChoiceField(
        label=_("Areas (none ticked: all)"), required=False, widget=forms.CheckboxSelectMultiple
    )
    boundary = BoundaryChoice(
        label=_("Boundary"), queryset=CfsBoundary.objects.none(), required=False, empty_label=_("(none)")
    )

    def __init__(self, *args, areas: list[str], boundaries, **kwargs):
        kwargs.setdefault("auto_id", "pilot_%s")  # the coverage planner on the same page has `areas` too
        super().__init__(*args, **kwargs)
        self.fields["areas"].choices = [
            (area or UNKNOWN_AREA_VALUE, area or _("(unknown)")) for area in areas
        ]
        self.fields["boundary"].queryset = boundaries

    def selected_areas(self) -> list[str]:
        return [
            "" if value == UNKNOWN_AREA_VALUE else value for value in self.cleaned_data.get("areas") or []
        ]


class CfsBoundaryUploadForm(forms.Form):
    name = forms.CharField(label=_("Name of the pilot area"), max_length=120)
    file = forms.FileField(label=_("GeoJSON file (Polygon or MultiPolygon, longitude/latitude)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > map_services.MAX_GEOJSON_BYTES:
            raise ValidationError(
                _("The file is larger than %(max)d MiB.") % {"max": map_services.MAX_GEOJSON_BYTES // 1024**2}
            )
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError(_("The file is not UTF-8 text.")) from None
        self.polygons = map_services.geojson_polygons(text)
        return upload
