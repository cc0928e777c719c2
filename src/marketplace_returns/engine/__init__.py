"""The triage engine: classify a case, evaluate a playbook, write the reply. It decides, never acts.

``evaluate(case, playbook)`` is the whole engine as one pure function; ``load_playbook`` reads a
shipped or user playbook (with per-shop setting overrides); ``check_outgoing`` is the honest-steering
guardrail every outgoing message passes.
"""

from marketplace_returns.engine.evaluate import default_playbook_for, evaluate
from marketplace_returns.engine.guardrail import check_outgoing
from marketplace_returns.engine.playbook import load_playbook
from marketplace_returns.engine.playbook_models import Playbook

__all__ = ["Playbook", "check_outgoing", "default_playbook_for", "evaluate", "load_playbook"]
