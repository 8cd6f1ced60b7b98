"""Identity commands: `match` (files in, clusters out), `dedupe [--apply]`, `train-matcher`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext

from guestcrm.extensions import db


def register(app: Flask) -> None:
    for command in (match_cmd, dedupe_cmd, train_matcher_cmd, reindex_cmd):
        app.cli.add_command(command)


def _say(message: str) -> None:
    click.echo(message, err=True)  # progress on stderr: stdout stays for results


@click.command("match")
@click.option("--input", "input_path", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="JSON lines: one guest record an object (see DESIGN.md).")
@click.option("--output", "output_path", required=True,
              type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="CSV written with header record_id,profile_id.")
def match_cmd(input_path: Path, output_path: Path) -> None:
    """Resolve guest records into profiles with the production matcher (no database)."""
    from guestcrm.services.identity.matching.cli_io import InputError, run_match

    try:
        summary = run_match(input_path, output_path, progress=_say)
    except InputError as exc:
        raise click.ClickException(f"{input_path}: {exc}") from None
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"{input_path}: not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise click.ClickException(str(exc)) from None
    _say(f"{summary['records']} records -> {summary['profiles']} profiles "
         f"({summary['merge_pairs']} merge pairs, {summary['review_pairs']} for review) "
         f"in {summary['seconds']} s")


@click.command("dedupe")
@with_appcontext
@click.option("--apply", "apply_", is_flag=True,
              help="Perform the merges and open the review tasks (default: report only).")
@click.option("--examples", default=10, show_default=True, help="Example merges to print.")
def dedupe_cmd(apply_: bool, examples: int) -> None:
    """Re-resolve every live profile; a dry run prints what would happen."""
    from guestcrm.models import GuestProfile
    from guestcrm.services.identity.dedupe import apply_dedupe, plan_dedupe

    plan = plan_dedupe(db.session, say=_say)
    click.echo(f"profiles: {plan.profiles}")
    click.echo(f"merges: {len(plan.merges)} profiles would be merged into "
               f"{len({s for s, _, _ in plan.merges})} others")
    click.echo(f"reviews: {len(plan.reviews)} pairs for staff")
    click.echo(f"merge threshold: {plan.result.merge_threshold:.4f}")
    for survivor, merged, p in plan.merges[:examples]:
        a, b = db.session.get(GuestProfile, survivor), db.session.get(GuestProfile, merged)
        click.echo(f"  merge #{merged} {b.display_name!r} into #{survivor} "
                   f"{a.display_name!r} (p={p:.4f})")
    if not apply_:
        click.echo("dry run: nothing changed (use --apply)")
        db.session.rollback()
        return
    done = apply_dedupe(db.session, plan, say=_say)
    db.session.commit()
    click.echo(f"applied: {done['merged']} merged, {done['skipped']} skipped, "
               f"{done['review_tasks']} review tasks opened; every merge can be undone")


@click.command("train-matcher")
@with_appcontext
def train_matcher_cmd() -> None:
    """Learn the match model from the profiles in the database and store it for ingest."""
    from guestcrm.services.identity.dedupe import train_matcher

    try:
        row = train_matcher(db.session, actor="cli", say=_say)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"stored match model {row.id}: learned from {row.trained_on} profiles, "
               f"merge threshold {row.merge_threshold:.4f}")


@click.command("reindex-matching")
@with_appcontext
def reindex_cmd() -> None:
    """Rebuild the blocking-key table of every live profile (after a bulk load)."""
    from guestcrm.services.identity.match_index import rebuild_match_index

    count = rebuild_match_index(db.session, progress=_say)
    db.session.commit()
    click.echo(f"indexed {count} profiles")
