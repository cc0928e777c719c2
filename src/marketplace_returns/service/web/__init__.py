"""The review page: a server-rendered queue, case card and manual-task list for reps, under ``/ui``.

Why in the service and not a separate front end: reps on a shop PC need it with nothing to build or
install, and it must behave exactly like the HTTP API (same queue functions, same guardrail, same
audit and outbox). ``routes.install(app)`` mounts it; ``i18n`` holds its Chinese and English words.
"""

from marketplace_returns.service.web.routes import install

__all__ = ["install"]
