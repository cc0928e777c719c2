"""Refund metrics, anomalies and reports for shop owners.

Definitions are per-platform data (``definitions``), figures are aggregated in SQL (``queries``,
``reviews``), anomalies are tested against each SKU's own baseline (``anomalies``), and ``report``
assembles the figures that the terminal, CSV/JSON, HTML renderers and the HTTP API (``api``) all show.
"""
