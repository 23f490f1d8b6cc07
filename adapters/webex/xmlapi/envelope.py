"""A parsed ``serv:message`` -> one outcome per request bodyContent.

Webex answers every bodyContent with one ``serv:response`` in the header
(SUCCESS or FAILURE with reason, exceptionID and sometimes value) and, in the
body, one ``serv:bodyContent`` in the same order. Some servers drop the
bodyContent of a failed item instead of leaving it empty, so when the counts
differ, bodies are paired with the SUCCESS answers in order.
"""

from __future__ import annotations

import re

from lxml import etree

from adapters.errors import (
    AccessDeniedError,
    CredentialsError,
    NotFoundError,
    RateLimitedError,
    StartInPastError,
    WebexApiError,
    WebexDecodeError,
    WebexError,
)
from adapters.webex.xmlapi.errors import TooManyBodyContentError
from adapters.webex.xmlapi.xml import SERV, children, local_name, text_of

__all__ = ["FAILURE_ANSWERS", "REQUEST_LEVEL_ERRORS", "Outcome", "api_error", "split_outcomes"]

Outcome = etree._Element | WebexError

#: Failures that concern the whole request, never one item of a batch.
REQUEST_LEVEL_ERRORS: tuple[type[WebexError], ...] = (
    TooManyBodyContentError,
    RateLimitedError,
    CredentialsError,
)

#: Every class :func:`api_error` makes of a FAILURE answer.
FAILURE_ANSWERS: tuple[type[WebexError], ...] = (
    WebexApiError,
    AccessDeniedError,
    CredentialsError,
    NotFoundError,
    RateLimitedError,
    StartInPastError,
)

_LIMIT = re.compile(r"less\s+than\s*\{?\s*(\d+)", re.IGNORECASE)

_BY_ID: dict[str, type[AccessDeniedError | CredentialsError | NotFoundError | StartInPastError]] = {
    "000001": AccessDeniedError,
    "000015": NotFoundError,
    "030001": CredentialsError,
    "030002": CredentialsError,
    "060001": NotFoundError,
    "060016": StartInPastError,
}


def api_error(
    exception_id: str, reason: str, *, value: str | None = None, operation: str = ""
) -> WebexError:
    """The typed error for one FAILURE answer (see adapters/errors.py): the
    exceptionID is the error's ``detail``."""
    if exception_id == "000053":
        match = _LIMIT.search(reason)
        limit = int(match.group(1)) - 1 if match else None
        return TooManyBodyContentError(
            exception_id, reason, limit=limit, value=value, operation=operation
        )
    if exception_id == "000045":
        return RateLimitedError(reason, retry_after=60.0, detail=exception_id, operation=operation)
    cls = _BY_ID.get(exception_id)
    if cls is None:
        return WebexApiError(exception_id, reason, value=value, operation=operation)
    return cls(reason, detail=exception_id, operation=operation)


_SERV_PREFIX = f"{{{SERV}}}"
_ANSWER_FIELDS = {
    "result": "result",
    "reason": "reason",
    "exceptionid": "exceptionID",
    "value": "value",
}


def _answer(response: etree._Element, operation: str) -> WebexError | None:
    # One pass over the answer's children (first of each name wins), not one
    # search per field: every item of every batch has an answer.
    fields: dict[str, str] = {}
    for child in response:
        tag = child.tag
        if isinstance(tag, str) and tag.startswith(_SERV_PREFIX):
            name = _ANSWER_FIELDS.get(local_name(tag))
            if name is not None and name not in fields:
                fields[name] = text_of(child)
    if fields.get("result", "").upper() == "SUCCESS":
        return None
    if "result" not in fields:
        raise WebexDecodeError(f"{operation}: a serv:response without serv:result")
    return api_error(
        fields.get("exceptionID", ""),
        fields.get("reason", "the site answered FAILURE"),
        value=fields.get("value"),
        operation=operation,
    )


def split_outcomes(root: etree._Element, operation: str) -> list[Outcome]:
    """One outcome per ``serv:response``: the bodyContent element, or the typed error.

    Raises:
        WebexDecodeError: no header/response, or a SUCCESS without a bodyContent.
    """
    header = next(children(root, SERV, "header"), None)
    responses = [] if header is None else list(children(header, SERV, "response"))
    if not responses:
        raise WebexDecodeError(f"{operation}: response has no serv:header/serv:response")
    body = next(children(root, SERV, "body"), None)
    contents = [] if body is None else list(children(body, SERV, "bodyContent"))
    answers = [_answer(r, operation) for r in responses]
    if len(contents) == len(answers):
        return [c if a is None else a for a, c in zip(answers, contents, strict=True)]
    outcomes: list[Outcome] = []
    remaining = iter(contents)
    for answer in answers:
        if answer is not None:
            outcomes.append(answer)
            continue
        content = next(remaining, None)
        if content is None:
            raise WebexDecodeError(f"{operation}: a SUCCESS answer without its bodyContent")
        outcomes.append(content)
    return outcomes
