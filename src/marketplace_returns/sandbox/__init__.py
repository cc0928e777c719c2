"""The sandbox marketplace: a local stand-in for Taobao/Tmall and Shopify that speaks their wire formats.

Why it exists: the demo, the end-to-end tests and the benchmarks must run over real HTTP on a machine
with no platform credentials. One in-memory state machine of refunds (``state.py``) moves the way the
platforms do; the platform routers (``taobao_api.py``, ``shopify_api.py``) only translate wire formats.
"""
