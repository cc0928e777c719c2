"""Security: webhook verification and replay protection, API tokens, PII masking and purge.

Modules (each standalone; the service mounts or calls them):

- ``webhooks``  Shopify webhook receiver (HMAC, timestamp window, dedupe) as a FastAPI router.
- ``replay``    ReplayGuard: remembers webhook ids (in memory with a TTL, or the ``webhook_receipts`` table).
- ``shop_secrets`` which shop a webhook names and its client secret(s), resolved from store references.
- ``tokens``    API tokens made once, stored as SHA-256, scoped to one shop.
- ``pii``       masking of buyers' personal data in text and payloads; redaction of credentials.
- ``logmask``   a logging filter / record factory applying ``pii`` to every log line.
- ``purge``     ``purge_buyer``: erase one buyer's personal data from the store, with an audit event.
"""
