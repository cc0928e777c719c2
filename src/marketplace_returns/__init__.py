"""marketplace-returns: take refund requests off marketplaces, triage them, push the seller's answer back.

The data runs one way: wire payload -> wire model -> mapping -> normalised ``Case`` -> engine ->
``Decision`` -> outbox -> connector action -> audit. Each arrow is a module of its own.
"""

__version__ = "0.1.0"
