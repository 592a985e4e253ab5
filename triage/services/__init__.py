"""Use cases over the store, in plain Python (no Qt): the CLI and the UI call these.

Every service that reads or writes patient data is called as ``service(store, user, ...)``: ``user``
is the logged-in ``triage.services.permissions.User``, whose role the service checks against the one
permission table before it touches the store (a refusal is ``PermissionDenied``, itself audited), and
every look at a record is recorded as a view. Inputs are pydantic models from
``triage.services.inputs`` (validated before anything is written). Errors are
``triage.store.errors.StoreError`` subclasses whose messages never contain patient identifiers.
"""

from triage.services.decisions import (
    Replay,
    complete_screening,
    confirm_decision,
    find_ruleset,
    recommend,
    replay_decision,
)
from triage.services.directory import save_gp_practice
from triage.services.inputs import (
    DecisionInput,
    GpPracticeInput,
    InvalidInput,
    ReferralInput,
    ReferralUpdate,
    ScreeningInput,
    input_problems,
    parse,
)
from triage.services.letters import (
    DecidedReferral,
    GpAddressMissing,
    RecordedLetter,
    decided_referral,
    identical_letters_sent,
    letter_for_decision,
    letter_kinds,
    letter_screener,
    letterhead,
    letters_sent,
    record_letter,
)
from triage.services.referral_list import SORT_KEYS, ReferralFilter, ReferralRow, count_referrals, referral_page
from triage.services.referral_record import ReferralRecord, record_as_json, record_as_text, referral_record
from triage.services.referrals import (
    CreatedReferral,
    HistoryEntry,
    IdentityMismatch,
    ImportOutcome,
    change_status,
    create_referral,
    delete_referral,
    find_referrals,
    get_referral,
    import_batch,
    import_referrals,
    person_history,
    update_referral,
)
from triage.services.screenings import (
    DraftContent,
    DraftSummary,
    discard_draft,
    list_drafts,
    load_draft,
    save_draft,
    save_screening,
)

__all__ = [
    "SORT_KEYS", "CreatedReferral", "DecisionInput", "DraftContent", "DraftSummary", "GpPracticeInput",
    "HistoryEntry", "IdentityMismatch", "ImportOutcome", "InvalidInput", "ReferralFilter", "ReferralInput",
    "ReferralRow", "ReferralUpdate", "Replay", "ScreeningInput", "change_status", "complete_screening",
    "confirm_decision", "count_referrals", "create_referral", "delete_referral", "discard_draft", "find_referrals",
    "find_ruleset", "get_referral", "import_batch", "import_referrals", "input_problems", "list_drafts",
    "load_draft", "parse", "person_history", "recommend", "referral_page", "replay_decision", "save_draft",
    "save_gp_practice", "save_screening", "update_referral",
    # letters
    "DecidedReferral", "GpAddressMissing", "RecordedLetter", "decided_referral", "identical_letters_sent",
    "letter_for_decision", "letter_kinds", "letter_screener", "letterhead", "letters_sent", "record_letter",
    # the referral's record
    "ReferralRecord", "record_as_json", "record_as_text", "referral_record",
]  # fmt: skip
