"""Signing in to the Webex site once at start, so the log tells at once whether
the site answers and takes the credentials.

Polls reach Webex only once a channel subscribes; without this first call a
wrong WEBEX_XML_URL or password would stay silent until then. The sign-in is
one GetSite and is never retried here: polls retry later with their own
backoff, and refused credentials are not retried at all (repeated failures can
lock the account).
"""

from __future__ import annotations

import enum
import logging

from adapters.errors import (
    AccessDeniedError,
    CredentialsError,
    RateLimitedError,
    WebexError,
    WebexTransportError,
)
from adapters.webex.xmlapi.source import XmlSessionSource

__all__ = ["SignIn", "sign_in"]

logger = logging.getLogger("meetbot.webex")


class SignIn(enum.Enum):
    """How the sign-in went."""

    SIGNED_IN = "signed in"
    #: 030001/030002: stop every Webex poll until the process restarts.
    REFUSED = "refused"
    #: Unreachable, rate-limited or failing: the polls try again later.
    FAILED = "failed"


async def sign_in(source: XmlSessionSource, *, site_name: str) -> SignIn:
    """GetSite once through ``source``; logs one line with the outcome.

    Args:
        source: the site, as the watcher reaches it.
        site_name: the configured site name, for the log when GetSite is denied.

    Never raises a WebexError: each one is an outcome.
    """
    try:
        site = await source.site_capabilities()
    except CredentialsError as e:
        logger.error("Webex refused the credentials (%s); polling stopped until restart", e)
        return SignIn.REFUSED
    except AccessDeniedError as e:
        # The credentials are good; this account may only not read the site's settings.
        logger.warning(
            "signed in to %s, but GetSite is denied to this account (%s): listing without "
            "Personal Room meetings",
            site_name,
            e,
        )
        return SignIn.SIGNED_IN
    except RateLimitedError as e:
        logger.warning("could not sign in to Webex yet (%s); polls try again later", e)
        return SignIn.FAILED
    except WebexTransportError as e:
        logger.error(
            "could not sign in to Webex (%s): check WEBEX_XML_URL; polls try again later", e
        )
        return SignIn.FAILED
    except WebexError as e:
        logger.error("could not sign in to Webex (%s); polls try again later", e)
        return SignIn.FAILED
    logger.info("signed in to %s", site.site_name or site_name)
    return SignIn.SIGNED_IN
