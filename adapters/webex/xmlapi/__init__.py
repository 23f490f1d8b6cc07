"""The Webex Meetings XML API client (the first :class:`~adapters.webex.port.WebexSource`)."""

from adapters.webex.xmlapi.client import DATE_SCOPE_ZONE_ID, XmlApiClient
from adapters.webex.xmlapi.credentials import Credentials

__all__ = ["DATE_SCOPE_ZONE_ID", "Credentials", "XmlApiClient"]
