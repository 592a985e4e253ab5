"""``triage settings show|import``: the service's settings kept in the store (issue 14), for a service
that configures a server store without the app. ``show`` prints them as JSON (anyone logged in: every
user sees them in the app); ``import FILE`` takes a JSON object of any of their fields (``wait_targets``
shaped as resources/waits.yaml, ``long_term_conditions`` and ``medically_unexplained_symptoms`` as
arrays of names), or a computer's old settings file whole, over the store's (an admin's; audited by
field name, as an import). A ``ruleset_path`` in the file (relative to the file) is read, validated and
its text kept in the store."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from triage.cli.common import EXIT_OK, login, print_json, read_json, store_options

if TYPE_CHECKING:
    from triage.cli.common import Commands


def register(commands: Commands) -> None:
    """Add ``settings`` to the top-level subparsers."""
    store = store_options()
    group = commands.add_parser("settings", help="show or (admin) import the service's settings kept in the store")
    settings = group.add_subparsers(title="settings commands", metavar="COMMAND", required=True)
    show = settings.add_parser("show", parents=[store],
                               help="the service's settings and the ruleset in force, as JSON")  # fmt: skip
    show.set_defaults(command="settings show", handler=_show)
    imported = settings.add_parser("import", parents=[store],
                                   help="(admin) take settings from a JSON file: any of the fields `settings show` "
                                        "prints, or a computer's old settings.json; a ruleset_path is read and kept")  # fmt: skip
    imported.add_argument("file", type=Path, help="the JSON file")
    imported.set_defaults(command="settings import", handler=_import)


def _show(args: argparse.Namespace) -> int:
    from triage.services.service_settings import ruleset_in_force, service_settings

    store, _user = login(args, None)
    with store:
        settings = service_settings(store)
        ruleset = ruleset_in_force(store, settings)
    print_json({**settings.model_dump(mode="json"),
                "ruleset_in_force": {"id": ruleset.id, "version": ruleset.version, "status": ruleset.status,
                                     "sha256": ruleset.sha256, "origin": ruleset.origin}})  # fmt: skip
    return EXIT_OK


def _import(args: argparse.Namespace) -> int:
    from triage.services.settings_import import import_settings_document

    data = read_json(str(args.file))
    store, user = login(args, "settings")
    with store:
        saved, notes = import_settings_document(store, user, data, args.file.parent)
    for note in notes:
        print(f"note: {note}")
    print(
        f"ok: {len(saved)} settings changed" + (f": {', '.join(saved)}" if saved else " (the store had them already)")
    )
    return EXIT_OK
