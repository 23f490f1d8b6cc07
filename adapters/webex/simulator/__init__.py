"""The Webex API doubles, each written from its protocol, never from its client.

- :mod:`adapters.webex.simulator.xml`: the XML API's double, a stateful Webex
  Meetings site speaking the XML API over aiohttp (re-exported here).
- :mod:`adapters.webex.rest.simulator`: the REST API's double, beside its client.

``python -m adapters.webex.simulator --api xml|rest`` serves either's example site.
"""

from . import xml
from .xml import *  # the XML double's names, as before it had a folder

__all__ = xml.__all__
