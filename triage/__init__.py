"""triage: a referral triage assistant for NHS Talking Therapies services."""

__version__ = "0.1.0"
