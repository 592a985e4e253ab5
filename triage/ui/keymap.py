"""Every key of the app, one table per context: the main window's menus (their titles are access keys
anywhere in the window, their commands' shortcuts too) and, for each page and dialog, its own
shortcuts and access keys (the ``&X`` letters, Alt+X) with what each does.

This is the one source of truth: the main window builds its menus and shortcuts from ``MENUS``
(main_window_menu.py), the Help menu's keyboard sheet shows these tables (keyboard_help.py), and
docs/keyboard.md's tables are ``python -m triage.ui.keymap``'s output. tests/ui/test_shortcuts.py opens
every window and page and fails on a key answered by two things in one context, on any difference
between these tables and the keys the widgets have, and on a doc that is not this output.

A page shown in the main window (``in_window``) shares the window's menu bar and shortcuts, so its keys
must clash with none of them; a dialog is a window of its own. Keys are written as Qt writes them
(``QKeySequence.toString``): "Ctrl+N", "Alt+R", "Esc", "PgDown".
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, Literal

from PySide6.QtGui import QKeySequence

if TYPE_CHECKING:
    from triage.services.permissions import Action


def mnemonic(text: str) -> str:
    """The access key of a text with an ``&X`` in it ("Alt+X"), or ""."""
    return QKeySequence.mnemonic(text).toString()


def plain(text: str) -> str:
    """A menu text as read: "&File" is "File" ("&&" is a real ampersand)."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


@dataclass(frozen=True)
class Command:
    """One menu command. ``slot`` is the main window's method it calls; ``needs``, the permission a role
    must have for it to be offered (the services check again); ``requires``, the window's session hook
    that must be set (a window with no session to end has no Log out); ``while_locked``, whether the
    idle lock leaves it on (what shows no patient detail and ends or leaves the session)."""

    text: str
    slot: str
    keys: str = ""
    does: str = ""
    needs: Action | None = None
    requires: Literal["on_session_end", "password_change"] | None = None
    while_locked: bool = False


SEPARATOR: Literal["separator"] = "separator"
LOGGED_IN: Literal["logged in"] = "logged in"  # the account menu's first line: who is logged in, and their role
Item = Command | Literal["separator", "logged in"]


@dataclass(frozen=True)
class Menu:
    title: str
    items: tuple[Item, ...]

    def commands(self) -> tuple[Command, ...]:
        return tuple(item for item in self.items if isinstance(item, Command))


# Menu titles are access keys wherever the window is: none of F, G, T, D, M, H is a letter of a page's
# (home N O R; record B E I A J R U; screening W P A V R S O E C K N I L; lock U W), so the meeting's menu is
# Meetin&g, not M&eeting (Alt+E re-screens a record). Quit is the File menu's last.
MENUS: tuple[Menu, ...] = (
    Menu("&File", (
        Command("&New referral", "new_referral", "Ctrl+N", "new referral", needs="create_referral"),
        Command("&Search", "focus_search", "Ctrl+F", "search", needs="search"),
        Command("&Resume draft", "resume_draft", "Ctrl+R", "resume the selected (or newest) draft", needs="screen"),
        Command("&Back to the list", "close_screening", "Ctrl+W", "back to the list"),
        Command("&Letters…", "open_letters", "Ctrl+L", "letters of the selected (or shown) decided referral",
                needs="view_referral"),
        Command("Con&tact, treatment, closing…", "open_journey", "Ctrl+J", "the journey of the shown (or selected) "
                "referral: record contact, the treatment start, close it", needs="record_contact"),
        SEPARATOR,
        Command("&Quit", "close", "Ctrl+Q", "quit (you are logged out; the screening in progress is kept as "
                "your draft)", while_locked=True),
    )),
    Menu("Meetin&g", (
        Command("Referral meeting &queue…", "open_meeting_queue", "Ctrl+Shift+M", "the referral meeting's queue "
                "(team leaders): reorder it, open a meeting", needs="run_meeting"),
        Command("&Open a meeting…", "open_meeting", does="open a referral meeting (team leaders)",
                needs="run_meeting"),
        Command("&Supervision queue…", "open_supervision_queue", does="the referrals flagged for your supervision "
                "(team leaders)", needs="supervise"),
        Command("Send to the referral &meeting…", "send_to_referral_meeting", does="send the shown (or selected) "
                "referral to the meeting, with a question for the team", needs="send_to_meeting"),
        Command("&Follow a meeting I attend…", "follow_meeting", does="the presenter view of an open meeting you "
                "are listed at, on this screen", needs="view_referral"),
    )),
    Menu("&Tools", (
        Command("The &matrix in force", "show_matrix", "Ctrl+M", "the matrix in force"),
        Command("&Reports…", "open_reports", "Ctrl+Shift+R", "the service's reports (team leaders and service "
                "managers)", needs="run_reports"),
        Command("&Settings", "open_settings", "Ctrl+,", "settings (admins)", needs="settings"),
    )),
    Menu("A&dmin", (
        Command("&Audit trail…", "open_audit_trail", "Ctrl+Shift+A", "audit trail (admins)", needs="audit_view"),
        Command("&Users…", "open_users", "Ctrl+Shift+U", "users (admins)", needs="users"),
    )),
    Menu("&My account", (
        LOGGED_IN,
        SEPARATOR,
        Command("Change my &password…", "change_my_password", "Ctrl+Shift+P", "change my password",
                requires="password_change"),
        Command("S&witch user", "switch_user", does="switch user (your screening is kept as your draft, hidden "
                "from the next person)", requires="on_session_end", while_locked=True),
        Command("Log &out", "log_out", "Ctrl+Shift+Q", "log out (the screening in progress is kept as your draft)",
                requires="on_session_end", while_locked=True),
    )),
    Menu("&Help", (
        Command("&Keyboard shortcuts", "show_keyboard_help", "F1", "these keys, window by window",
                while_locked=True),
    )),
)  # fmt: skip


@dataclass(frozen=True)
class Key:
    keys: str  # as QKeySequence.toString() writes it
    does: str


@dataclass(frozen=True)
class Context:
    """A window, or a page of the main window (``in_window``): its shortcuts and access keys (``keys``,
    what the clash test checks), and in words the keys that type, answer or move (``typing``)."""

    name: str
    where: str  # what docs/keyboard.md calls it
    keys: tuple[Key, ...]
    typing: str = ""
    in_window: bool = False


def bound(*pairs: tuple[str, str]) -> tuple[Key, ...]:
    return tuple(Key(combo, does) for combo, does in pairs)


def menu_title_keys() -> tuple[Key, ...]:
    return tuple(Key(mnemonic(menu.title), f"{plain(menu.title)} menu") for menu in MENUS)


def window_keys() -> tuple[Key, ...]:
    """Anywhere in the main window, whichever page it shows: the menu titles and every command's shortcut."""
    commands = (command for menu in MENUS for command in menu.commands() if command.keys)
    return menu_title_keys() + tuple(Key(command.keys, command.does) for command in commands)


SCREENING_SECTIONS = ("referral", "severity", "ratings", "risk", "problem and previous interventions",
                      "long-term conditions", "summary")  # fmt: skip

CONTEXTS: tuple[Context, ...] = (
    Context("window", "anywhere in the main window", window_keys()),
    Context("home", "referral list", bound(
        ("Alt+N", "new referral"), ("Alt+O", "open the selected referral"), ("Alt+R", "resume draft")),
        "arrows to move, Return to open, type in the search box (NHS number, or family name, or \"family, "
        "given\") and Down to reach the list", in_window=True),
    Context("record", "referral record", bound(
        ("Ctrl+E", "re-screen (resume the screening in progress, when there is a draft; refused in words where "
                   "the role or someone else's decision does not allow it)"),
        ("Alt+E", "re-screen, as Ctrl+E"), ("Esc", "back to the list"), ("Alt+B", "back to the list"),
        ("Alt+I", "correct the name, date of birth or NHS number (with a reason)"),
        ("Alt+A", "edit the postal address and referring GP"),
        ("Alt+J", "the journey: record contact, the treatment start, close the referral (an open referral)"),
        ("Alt+R", "merge with another record of the same person (team leaders)"),
        ("Alt+U", "undo a merge into this person (team leaders, where one is in place)"),
        ("PgUp", "scroll up"), ("PgDown", "scroll down")),
        "what Return opens (a referral not screened yet opens at its screening instead) · Tab / Shift+Tab from "
        "section to section (the banner, risk, decision, referral, journey and waits, screening answers, ratings and trace, "
        "letters, status history, corrections, merges, other referrals), the arrows within one · Ctrl+L letters", in_window=True),
    Context("screening", "screening", bound(
        *((f"Alt+{number}", section) for number, section in enumerate(SCREENING_SECTIONS, 1)),
        ("Alt+W", "also ask the WSAS"), ("Alt+P", "main problem"), ("Alt+A", "add a previous intervention"),
        ("Alt+V", "I have reviewed the warnings"), ("Alt+R", "route"), ("Alt+S", "step"), ("Alt+O", "reason"),
        ("Alt+E", "decided in the referral meeting (team leaders)"), ("Alt+C", "confirm decision"),
        ("Alt+K", "keep my choice (the recommendation changed)"), ("Alt+N", "follow the new recommendation"),
        ("Alt+I", "the criterion that applied (not suitable for the service)"),
        ("Alt+L", "the matrix rationale (routing back to a service that returned the person)"),
        ("Ctrl+Return", "confirm the decision")),
        "every answer is one tab stop, and each answer moves on to the next question · Alt+1 to Alt+7 go to the "
        "section's first unanswered field · questionnaire items: 0–3 (WSAS 0–8) answers, Backspace clears, Up/Down "
        "move between items; a digit typed on an answered item does not replace it (Backspace first) · matrix "
        "ratings: 1 low, 2 medium, 3 high (the note is a Tab away), Backspace clears · risk prompts: N for No moves "
        "on to the next prompt, Y for Yes to its detail · a previous intervention's row: Tab from what it was to its "
        "outcome, where and at which step (I for IAPT, O for outside it), the year, then Remove · section 6: Space "
        "ticks \"None\" or a condition; with MUS ticked, Space ticks \"GP has confirmed no physical illness was "
        "missed\" and its date is a Tab away · summary: "
        "the route follows the recommendation (\"As recommended\") until you choose one with the arrows; a "
        "reason is typed when overriding or when risk is high",
        in_window=True),
    Context("lock", "lock screen", bound(
        ("Alt+U", "unlock"), ("Alt+W", "switch user (your screening is kept as your draft, hidden from the next "
                                       "person)")),
        "type your password, Return unlocks · in the My account menu, Log out", in_window=True),
    Context("letters", "letters", bound(
        ("Alt+K", "the kind of letter"), ("Ctrl+P", "print"), ("Alt+P", "print"), ("Ctrl+S", "save as PDF"),
        ("Alt+S", "save as PDF"), ("Ctrl+Shift+S", "save as text"), ("Alt+T", "save as text"),
        ("PgUp", "previous page"), ("PgDown", "next page")),
        "Escape closes"),
    Context("journey", "contact, treatment and closing", bound(
        ("Alt+K", "kind (opt-in offered, opted in, contact attempt)"), ("Alt+H", "channel"), ("Alt+O", "outcome"),
        ("Alt+D", "date"), ("Alt+I", "time"), ("Alt+R", "record contact"), ("Alt+S", "treatment started on"),
        ("Alt+T", "record treatment start"), ("Alt+E", "reason for closing"), ("Alt+N", "note"),
        ("Alt+C", "close the referral"), ("Alt+W", "why the referral was inappropriate"), ("Alt+B", "referred by"),
        ("Alt+Y", "why, in words"), ("Alt+F", "flag as inappropriate"), ("Alt+L", "take the flag off")),
        "each action is recorded at once, or refused in words with nothing written · Escape closes and shows the "
        "record again"),
    Context("reports", "reports", bound(
        ("Alt+R", "the report"), ("Alt+F", "received from"), ("Alt+T", "received to"), ("Alt+E", "team"),
        ("Alt+L", "meant to leave the service (small numbers and people hidden)"), ("Alt+U", "run"),
        ("Alt+C", "save as CSV"), ("Alt+P", "save as PDF, with the charts")),
        "each table says how it was counted; Tab reaches the report, the arrows read it · Escape closes"),
    Context("high-risk alert", "high-risk alert", bound(
        ("Alt+C", "who was contacted"), ("Alt+W", "when"), ("Alt+A", "what was agreed")),
        "type who was contacted (a name or role, in words), Tab to when and what was agreed, Return records it; "
        "Escape does nothing until then, and the alert says what is still to record"),
    Context("login", "log in", bound(("Alt+U", "username"), ("Alt+P", "password")), "Return logs in"),
    Context("first run", "first run", bound(
        ("Alt+U", "username"), ("Alt+N", "full name"), ("Alt+P", "password"), ("Alt+A", "password again"),
        ("Alt+C", "create the store"), ("Alt+O", "copy the recovery key"), ("Alt+R", "print the recovery key"),
        ("Alt+W", "I have written the recovery key down"), ("Alt+L", "continue to log in"))),
    Context("change my password", "change my password", bound(
        ("Alt+U", "current password"), ("Alt+N", "new password"), ("Alt+F", "confirm new password"),
        ("Alt+C", "change password")), "Return changes it, Escape leaves it as it was"),
    Context("new referral", "new referral", bound(
        ("Alt+N", "NHS number"), ("Alt+G", "given name"), ("Alt+F", "family name"), ("Alt+D", "date of birth"),
        ("Alt+R", "received on"), ("Alt+S", "source"), ("Alt+P", "GP practice"), ("Alt+E", "referring GP"),
        ("Alt+B", "came back from (another service)")),
        "Return creates it and starts its screening"),
    Context("matrix", "the matrix in force", (), "arrows move between cells · Return or Space shows the cell's full "
            "definition, Escape hides it · Escape again closes"),
    Context("presenter", "presenter view (the referral meeting's projector; the meeting's window drives it)", bound(
        ("PgDown", "next case"), ("PgUp", "previous case"), ("Ctrl+Shift+N", "reveal the full name (recorded)"),
        ("Ctrl+Down", "scroll down to the case's details"), ("Ctrl+Up", "scroll back up")),
        "with the presenter window itself in focus · arrows move between the matrix's cells · Return or Space shows "
        "the cell's full definition, Escape hides it"),
    Context("settings", "settings", bound(
        ("Alt+N", "service name"), ("Alt+A", "address"), ("Alt+P", "phone"), ("Alt+X", "reference prefix"),
        ("Alt+C", "crisis contacts"),
        ("Alt+D", "duty contacts"), ("Alt+T", "national numbers"), ("Alt+R", "restore the national defaults"),
        ("Alt+L", "lock after"), ("Alt+B", "back up (scheduled backups)"), ("Alt+E", "every N closes"),
        ("Alt+O", "backup folder"), ("Alt+H", "choose the backup folder"), ("Alt+K", "keep the newest"),
        ("Alt+I", "import practices from CSV"),
        ("Alt+F", "choose a service ruleset file"), ("Alt+S", "use the shipped ruleset"),
        ("Alt+V", "where the service's clock starts"), ("Alt+W", "the wait targets"),
        ("Alt+M", "remove the selected target"), ("Alt+G", "a new local target's label"),
        ("Alt+Y", "long-term physical conditions offered"), ("Alt+U", "medically unexplained symptoms offered")),
        "wait targets: the arrows move, F2 or any key edits the cell, Return keeps it, Tab leaves the table · Return "
        "in the new target's label, days or source adds it · the lists of conditions: one per line, Tab leaves the "
        "box"),
    Context("import settings", "import this computer's settings (an admin's first login here)", bound(
        ("Alt+I", "import the ticked values"), ("Alt+K", "keep the store's values")),
        "Tab moves between the fields that differ · Space ticks or clears one (ticked: take this computer's value) · "
        "Return imports the ticked ones, Escape keeps the store's values"),
    Context("users", "users", bound(
        ("Alt+T", "the accounts"), ("Alt+A", "add user"), ("Alt+R", "reset password"), ("Alt+C", "change role"),
        ("Alt+S", "supervisor"), ("Alt+U", "unlock"), ("Alt+M", "remove"), ("Alt+L", "close"))),
    Context("add user", "add user", bound(
        ("Alt+U", "username"), ("Alt+N", "name shown in the app"), ("Alt+R", "role"), ("Alt+P", "password"),
        ("Alt+F", "confirm password"), ("Alt+A", "add user"))),
    Context("reset password", "reset a password", bound(
        ("Alt+P", "password"), ("Alt+F", "confirm password"), ("Alt+S", "set password"))),
    Context("change role", "change a role", bound(("Alt+R", "role"), ("Alt+C", "change role"))),
    Context("supervisor", "an account's supervisor", bound(("Alt+S", "supervisor"), ("Alt+E", "set supervisor"))),
    Context("audit", "audit trail", bound(
        ("Alt+F", "from"), ("Alt+T", "to"), ("Alt+U", "user, action, record"), ("Alt+R", "refresh"),
        ("F5", "refresh"), ("Alt+E", "export CSV"), ("Ctrl+E", "export CSV"), ("Alt+C", "close")),
        "the filters come first in the tab order, then the table"),
    Context("send to meeting", "send to the referral meeting", bound(
        ("Alt+Q", "the question for the team"), ("Alt+S", "send to the meeting")),
        "Escape closes without sending; a refusal is said under the form and nothing is sent"),
    Context("meeting queue", "the referral meeting's queue (Ctrl+Shift+M)", bound(
        ("Alt+Q", "the queue"), ("Alt+Up", "move the selected referral up"),
        ("Alt+Down", "move the selected referral down"), ("Alt+O", "open a meeting")),
        "arrows move between referrals (Return opens nothing here) · the new order is stored at once · "
        "Escape closes"),
    Context("supervision queue", "the supervision queue", bound(("Alt+Q", "the queue")),
            "arrows move between referrals · Escape closes"),
    Context("keyboard shortcuts", "keyboard shortcuts (F1)", (), "arrows and Page Up/Down scroll · Escape closes"),
    Context("open meeting", "open a referral meeting (team leaders)", bound(
        ("Alt+D", "date"), ("Alt+H", "chair"), ("Alt+A", "attendees"), ("Alt+G", "guests (one per line)"),
        ("Alt+O", "open the meeting")),
        "in the attendees, Up/Down move and Space ticks or clears one (the chair is ticked) · Tab leaves the "
        "guests' box · Return opens the meeting, Escape leaves"),
    Context("meeting", "referral meeting (the chair's window)", bound(
        ("Alt+S", "the cases"), ("Alt+K", "warnings read to the team"), ("Alt+C", "confirm the recommendation"),
        ("Alt+R", "another route or step"),
        ("Alt+E", "why this route"), ("Alt+A", "choose another route"), ("Alt+F", "why deferred"),
        ("Alt+D", "defer"), ("Alt+W", "what information is needed"), ("Alt+H", "who is asked"), ("Alt+U", "due by"),
        ("Alt+I", "ask for information"), ("Alt+N", "reveal the name"),
        ("Ctrl+Shift+N", "reveal the name, for this case, on both screens (recorded)"),
        ("Alt+Right", "next case"), ("PgDown", "next case"), ("Alt+Left", "previous case"),
        ("PgUp", "previous case"), ("Alt+P", "show on the projector"), ("Alt+L", "close the meeting"),
        ("Alt+M", "print the minutes, once the meeting is closed")),
        "each outcome is recorded at once, or refused in words with nothing written, and the projector moves on "
        "to the next case not yet taken · in the cases, Up/Down choose the case shown"),
)  # fmt: skip


def context(name: str) -> Context:
    return next(found for found in CONTEXTS if found.name == name)


# --- the words ------------------------------------------------------------------------------------


SPOKEN = {"Esc": "Escape", "PgUp": "Page Up", "PgDown": "Page Down"}


def spoken(combo: str) -> str:
    return SPOKEN.get(combo, combo)


def menu_rows() -> list[tuple[str, list[str]]]:
    """Each menu, its access key, and its commands with theirs (the letter once the menu is open)."""
    rows = []
    for menu in MENUS:
        items = []
        for command in menu.commands():
            letter = mnemonic(command.text).removeprefix("Alt+")
            items.append(f"{plain(command.text)} ({', '.join(filter(None, (letter, command.keys)))})")
        rows.append((f"{plain(menu.title)} ({mnemonic(menu.title)})", items))
    return rows


def key_rows() -> list[tuple[str, list[str]]]:
    """Each context's keys and what they do, then its typing keys in words."""
    return [(found.where, [*(f"{spoken(key.keys)} {key.does}" for key in found.keys), *filter(None, (found.typing,))])
            for found in CONTEXTS]  # fmt: skip


def markdown() -> str:
    """docs/keyboard.md's tables: the menus, then the keys window by window."""
    lines = ["| menu | commands (access key, shortcut) |", "|---|---|"]
    lines += [f"| {menu} | {' · '.join(items)} |" for menu, items in menu_rows()]
    lines += ["", "| where | keys |", "|---|---|"]
    lines += [f"| {where} | {' · '.join(parts)} |" for where, parts in key_rows()]
    return "\n".join(lines) + "\n"


def html() -> str:
    """The same tables for the Help menu's keyboard sheet, a key to a line."""

    def table(head: tuple[str, str], rows: list[tuple[str, list[str]]]) -> str:
        cells = "".join(f"<tr><td><b>{escape(where)}</b></td><td>{'<br>'.join(map(escape, parts))}</td></tr>"
                        for where, parts in rows)  # fmt: skip
        return f"<table cellpadding='4'><tr><th align='left'>{head[0]}</th><th align='left'>{head[1]}</th></tr>{cells}</table>"

    return (f"<h3>Menus</h3>{table(('Menu', 'Commands (access key, shortcut)'), menu_rows())}"
            f"<h3>Keys, window by window</h3>{table(('Where', 'Keys'), key_rows())}")  # fmt: skip


if __name__ == "__main__":
    sys.stdout.write(markdown())
