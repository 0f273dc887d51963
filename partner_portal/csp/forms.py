"""Forms of the service-provider pages. Colors and logos are checked by csp.theme and csp.uploads."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.datastructures import FileStorage
from wtforms import BooleanField, ColorField, SelectField, StringField
from wtforms.validators import Length, ValidationError

from ..web.i18n import lazy_gettext
from . import uploads
from .services import ThemeChange
from .theme import ColorError, ThemeColors, normalize_hex


class AddCustomerForm(FlaskForm):
    """A connected customer to add to a domain, and its workspace URL name when it has none yet."""

    customer = SelectField(lazy_gettext("Customer"), validate_choice=False)
    slug = StringField(
        lazy_gettext("Workspace URL name"), validators=[Length(max=100, message=lazy_gettext("That name is too long."))]
    )


class SharedWorkspaceForm(FlaskForm):
    """The name of the provider's shared workspace URL."""

    slug = StringField(
        lazy_gettext("Shared workspace URL name"),
        validators=[Length(max=100, message=lazy_gettext("That name is too long."))],
    )


def _hex_color(form, field) -> None:
    """Accept a hex color, stored as #rrggbb."""
    try:
        field.data = normalize_hex(field.data)
    except ColorError as error:
        raise ValidationError(str(error)) from None


class ThemeForm(FlaskForm):
    """A workspace theme: four colors, a logo for the pages after sign-in, and one for the sign-in page."""

    banner_color = ColorField(lazy_gettext("Banner color"), validators=[_hex_color])
    banner_text_color = ColorField(lazy_gettext("Banner text color"), validators=[_hex_color])
    icon_color = ColorField(lazy_gettext("Icon color"), validators=[_hex_color])
    accent_color = ColorField(lazy_gettext("Accent color"), validators=[_hex_color])
    logo = FileField(lazy_gettext("Logo"))
    sign_in_logo = FileField(lazy_gettext("Sign-in page logo"))
    remove_logo = BooleanField(lazy_gettext("Remove the current logo"))
    remove_sign_in_logo = BooleanField(lazy_gettext("Remove the current sign-in page logo"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.images: dict[str, uploads.CheckedImage] = {}

    def _check_upload(self, field, spec: uploads.LogoSpec) -> None:
        """Check a chosen file by its content (nothing chosen is fine: the current logo stays)."""
        upload = field.data
        if not isinstance(upload, FileStorage) or not upload.filename:
            return
        try:
            self.images[field.name] = uploads.check_logo(upload.stream, spec)
        except uploads.UploadRefused as error:
            raise ValidationError(str(error)) from None

    def validate_logo(self, field) -> None:
        """The logo shown in the banner after sign-in."""
        self._check_upload(field, uploads.LOGO)

    def validate_sign_in_logo(self, field) -> None:
        """The logo shown on the sign-in page."""
        self._check_upload(field, uploads.SIGN_IN_LOGO)

    @staticmethod
    def initial(colors: ThemeColors) -> dict:
        """Form data showing `colors`."""
        return {
            "banner_color": colors.banner,
            "banner_text_color": colors.banner_text,
            "icon_color": colors.icon,
            "accent_color": colors.accent,
        }

    def shown_colors(self, saved: ThemeColors) -> ThemeColors:
        """What a preview shows: each valid color of the form, the saved one where the form's is not valid."""
        fields = {
            "banner": self.banner_color,
            "banner_text": self.banner_text_color,
            "icon": self.icon_color,
            "accent": self.accent_color,
        }
        return ThemeColors(
            **{
                name: field.data if field.data and not field.errors else getattr(saved, name)
                for name, field in fields.items()
            }
        )

    def shown_logos(self, stored: dict[str, str | None]) -> dict[str, str | None]:
        """What a preview shows for each logo: a newly chosen file (inline, nothing stored), nothing when
        removal is ticked, else the stored logo's URL."""
        shown = {}
        for name, url in stored.items():
            image = self.images.get(name)
            removed = self[f"remove_{name}"].data
            shown[name] = image.data_uri if image else (None if removed else url)
        return shown

    def colors(self) -> ThemeColors:
        """The four colors (call after a successful validate)."""
        return ThemeColors(
            banner=self.banner_color.data,
            banner_text=self.banner_text_color.data,
            icon=self.icon_color.data,
            accent=self.accent_color.data,
        )

    def change(self) -> ThemeChange:
        """The theme change this form asks for (call after a successful validate)."""
        return ThemeChange(
            colors=self.colors(),
            logo=self.images.get("logo"),
            sign_in_logo=self.images.get("sign_in_logo"),
            remove_logo=self.remove_logo.data,
            remove_sign_in_logo=self.remove_sign_in_logo.data,
        )
