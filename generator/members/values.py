"""The values a member's data fills in: merge fields of an email, the name on a kit.

Built here, once, for every product, so that a name or a code reaches an email and a kit the
same way. The values are checked data (``source``): safe in a header (through the one
encoder, ``core/headers``), escaped in HTML by the template that places them.
"""

from __future__ import annotations

from generator.core.settings import Settings
from generator.members.recipients import kit_token, unsubscribe_token
from generator.members.source import Member
from generator.newsletter.email import share_link
from generator.newsletter.unsubscribe import unsubscribe_link


def display_name(member: Member) -> str:
    """The member's name as a kit shows it: first and last name."""
    return f"{member.first_name} {member.last_name}".strip()


class MemberValues:
    """The merge-field values of each member; the URLs around codes and tokens built once."""

    _SLOT = "rbfSLOTx"
    """Letters only: kept as it is by URL encoding, like every code and token it stands for."""

    def __init__(self, settings: Settings, *, campaign: str, secret: bytes) -> None:
        self.fields = settings.member_fields
        self.secret = secret
        del campaign  # the share link carries no newsletter UTM (see email.share_link)
        link = share_link(settings, self._SLOT)
        unsubscribe = unsubscribe_link(settings.newsletter, self._SLOT)
        self.link = tuple(link.split(self._SLOT))
        self.unsubscribe = tuple(unsubscribe.split(self._SLOT))
        self.kits = kit_url(settings, self._SLOT).split(self._SLOT) if settings.kits.url else None

    def __call__(self, member: Member) -> dict[str, str]:
        """The values of ``member`` (see email.known_fields)."""
        values = {name: member.extra.get(name, "") for name in self.fields}
        values["first_name"] = member.first_name
        values["last_name"] = member.last_name
        values["email"] = member.email
        values["referral_code"] = member.referral_code
        values["referral_link"] = member.referral_code.join(self.link)
        values["unsubscribe_url"] = unsubscribe_token(self.secret, member.email).join(
            self.unsubscribe
        )
        if self.kits is not None:
            values["werbemittel_url"] = kit_token(self.secret, member.referral_code).join(self.kits)
        return values


def kit_url(settings: Settings, token: str) -> str:
    """The address of the kit with folder ``token`` (``kits.url`` must be set)."""
    assert settings.kits.url is not None
    return f"{settings.kits.url.rstrip('/')}/{token}/"
