"""The XML API's feed: what polling the site's listings and GetSessionInfo needs
beyond the client, kept beside it.

- ``plan``: which listings to ask for, and which sessions to look up directly
  (pure).
- ``observe``: the client's answers as :class:`state.model.Observation` values,
  each with the kind of evidence it is (pure).
- ``budget``: the one GetSessionInfo token bucket of the account, and the
  site's 403 block (pure).
- ``feed``: the polling jobs (discovery, the live poll) handing batches to
  the intake, reading the core through the store view.
- ``lookup``: GetSessionInfo within the budget, answers to the intake.

The generic part, running jobs on a schedule with failure counting, health
and backoff, stays in ``bot/watch/``.
"""
