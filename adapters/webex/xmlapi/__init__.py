"""The Webex Meetings XML API client (the first :class:`~adapters.webex.port.WebexMeetings`).

::

    from adapters.webex.xmlapi import Credentials, XmlApiClient

    credentials = Credentials(site_name="acme", webex_id="meetbot", password=secret)
    async with XmlApiClient("https://acme.webex.com/WBXService/XMLService", credentials) as webex:
        await webex.time_zones()  # optional: learn the site's own zone ids
        listing = await webex.list_sessions(start_from=now, start_to=now + timedelta(hours=8))
        infos = await webex.get_session_infos([SessionRef.by_key(s.session_key) for s in listing.sessions])

Modules: ``xml`` (the hardened parser), ``requests`` (request builders),
``envelope`` (header/body pairing, error mapping), ``errors`` (the XML API's
own errors), ``models`` (its answers), ``sessions`` and ``responses`` (answers
-> models), ``transport`` (one HTTP POST), ``source`` (what its feed asks of
the site), ``connection`` (one account's request path and the site's own
answers), ``polling`` (session listings and GetSessionInfo), ``client`` (the
meetings operations: the whole client).
"""

from adapters.webex.xmlapi.client import DATE_SCOPE_ZONE_ID, XmlApiClient
from adapters.webex.xmlapi.credentials import Credentials

__all__ = ["DATE_SCOPE_ZONE_ID", "Credentials", "XmlApiClient"]
