"""How the REST backend learns what changed: the pure mapping of REST answers
and webhook data onto observations (:mod:`.observe`) and the webhook
registration plan (:mod:`.hooks`)."""
