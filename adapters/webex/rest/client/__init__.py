"""An asyncio client of the Webex REST API (``https://webexapis.com/v1/``).

Written from Cisco's documentation, not from the simulator in ``../simulator``
(the two share no code, so a misreading on one side fails the tests).

::

    async with RestClient(Tokens(access_token=token), oauth=oauth, on_tokens=keep) as webex:
        live = await webex.list_meetings(meeting_type="meeting", state="inProgress")
        if not live.complete: ...   # a page failed: live.error says why

Modules: :mod:`.wire` (pure reading of errors, ``Retry-After``, ``Link``),
:mod:`.gate` (the shared 429 wait), :mod:`.auth` (tokens and their renewal),
:mod:`.transport` (one call), :mod:`.paging` (listings), :mod:`.models`
(answers as values), :mod:`.client` (the endpoints).
"""

from .auth import OAuthClient, TokenHook, Tokens
from .client import JOIN_SECURITY, MeetingFields, RestClient
from .gate import RateGate
from .models import RestMeeting, RestParticipant, RestPerson, RestWebhook
from .paging import Listing
from .transport import DEFAULT_BASE_URL, RestSettings

__all__ = [
    "DEFAULT_BASE_URL",
    "JOIN_SECURITY",
    "Listing",
    "MeetingFields",
    "OAuthClient",
    "RateGate",
    "RestClient",
    "RestMeeting",
    "RestParticipant",
    "RestPerson",
    "RestSettings",
    "RestWebhook",
    "TokenHook",
    "Tokens",
]
