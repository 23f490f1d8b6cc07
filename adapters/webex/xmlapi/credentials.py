"""How the client proves who it is to one Webex site.

Either a password, or an OAuth access token exchanged once through
AuthenticateUser for a sessionTicket. Secrets never appear in ``repr``, logs
or exception text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Credentials"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Credentials:
    """One account on one site: ``password`` or ``access_token``, exactly one.

    Raises:
        ValueError: both or neither secret given, or an empty site or user name.
    """

    site_name: str
    webex_id: str
    password: str | None = field(default=None, repr=False)
    access_token: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not self.site_name.strip() or not self.webex_id.strip():
            raise ValueError("credentials need a site name and a Webex ID")
        if (self.password is None) == (self.access_token is None):
            raise ValueError("give a password or an access token, not both")

    @property
    def uses_token(self) -> bool:
        """True when a sessionTicket must first be obtained with AuthenticateUser."""
        return self.access_token is not None
