"""The triage engine: classify a case, evaluate a playbook, write the reply. It decides, never acts."""
