"""Live experiments: a torch engine that runs each answer's claim (see base.py for the contract)."""
