"""XmlApiClient: the Webex port's commands half (:class:`~adapters.webex.port.WebexMeetings`)
and what the XML feed asks of the site (:class:`~.source.XmlSessionSource`), over the
Webex Meetings XML API.

Built in layers, one concern each: :mod:`.connection` (the one request path of
an account, one request in flight at a time, and the site's own answers),
:mod:`.polling` (session listings and GetSessionInfo) and, here, the meetings
operations the commands need.
"""

from __future__ import annotations

from lxml import etree

from adapters.errors import PrivateMeetingUnsupportedError, WebexError
from adapters.webex.models import (
    Capabilities,
    CreatedMeeting,
    LiveState,
    MeetingDetails,
    MeetingRequest,
)
from adapters.webex.xmlapi import requests as rq
from adapters.webex.xmlapi import responses as rs
from adapters.webex.xmlapi import sessions as ss
from adapters.webex.xmlapi.models import SessionRef
from adapters.webex.xmlapi.polling import DATE_SCOPE_ZONE_ID, XmlSessionCalls

__all__ = ["DATE_SCOPE_ZONE_ID", "XmlApiClient"]


class XmlApiClient(XmlSessionCalls):
    """One account on one Webex site. Implements :class:`~adapters.webex.port.WebexMeetings`
    and :class:`~adapters.webex.xmlapi.source.XmlSessionSource`; its arguments
    are :class:`~.connection.XmlApiConnection`'s.

    Every method raises only :mod:`adapters.errors` exceptions (and ValueError
    for requests that cannot be expressed in XML).
    """

    async def capabilities(self) -> Capabilities:
        """GetSite (cached) for the site's name, LstMeetingType (cached) for whether
        one of its meeting types allows private meetings (None when it lists none):
        GetSite's meeting types do not say SupportPrivateMeeting."""
        site = await self.site_capabilities()
        types = await self.meeting_types()
        private = any(t.supports_private for t in types) if types else None
        return Capabilities(site_name=site.site_name, private_meetings=private)

    async def _meeting_type_for(self, request: MeetingRequest) -> int | None:
        """The site's default type, or for a private meeting the first type whose
        SupportPrivateMeeting is true."""
        if not request.private:
            return None
        private = [t for t in await self.meeting_types() if t.supports_private]
        if not private:
            raise PrivateMeetingUnsupportedError()
        return private[0].id

    async def _meeting_content(
        self, operation: str, request: MeetingRequest, meeting_key: str | None = None
    ) -> etree._Element:
        # The same zone when the table has it, else one with the same offset at
        # the start: the choice only decides which clock Webex shows it in.
        zone_id = self.zone_table.zone_id_for_iana(request.zone.key, now=request.start)
        return rq.meeting_content(
            operation,
            request,
            start_date=self.zone_table.to_webex(request.start, zone_id),
            zone_id=zone_id,
            meeting_type_id=await self._meeting_type_for(request),
            meeting_key=meeting_key,
            replace=meeting_key is not None,
        )

    async def create_meeting(self, request: MeetingRequest) -> CreatedMeeting:
        """CreateMeeting.

        Raises:
            StartInPastError: 060016.
            PrivateMeetingUnsupportedError: private asked for, no type supports it.
            ValueError: the title holds characters XML cannot carry.
        """
        content = await self._meeting_content("meeting.CreateMeeting", request)
        answer = await self._one(content, "CreateMeeting")
        return rs.created_meeting(answer, password=request.password)

    async def update_meeting(self, meeting_key: str, request: MeetingRequest) -> None:
        """SetMeeting. Raises NotFoundError, StartInPastError, PrivateMeetingUnsupportedError."""
        content = await self._meeting_content("meeting.SetMeeting", request, meeting_key)
        await self._one(content, "SetMeeting")

    async def get_meeting(self, meeting_key: str) -> MeetingDetails:
        """GetMeeting. Raises NotFoundError (060001)."""
        answer = await self._one(rq.get_meeting(meeting_key), "GetMeeting")
        return rs.meeting_details(answer, self.zone_table)

    async def live_state(self, meeting_key: str) -> LiveState:
        """GetSessionInfo for one meeting. Raises NotFoundError, and
        SessionInfoBlockedError (a RateLimitedError with ``until``) while the
        site blocks GetSessionInfo."""
        (answer,) = await self.get_session_infos([SessionRef.by_key(meeting_key)])
        if isinstance(answer, WebexError):
            raise answer
        return ss.live_state_of(answer)

    async def delete_meeting(self, meeting_key: str) -> None:
        """DelMeeting. Raises NotFoundError (060001)."""
        await self._one(rq.del_meeting(meeting_key), "DelMeeting")
