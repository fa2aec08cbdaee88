"""Publishing a scenario: its staged `figures/` and report folder swap in for figures/<s>/ and build/<s>/ as one unit.

Two directory renames cannot be one atomic step, so the swap is journaled: before the first rename a journal
(build/.publish-<s>.json) records every folder involved. If a rename fails (a read-only or locked target), the
renames already done are undone at once; if the process is killed between them, the next build of the scenario
finds the journal and undoes them before anything else. Either both folders are new or both are old.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from ..core import paths
from ..core.paths import project_path


class PublishFailed(Exception):
    """The new outputs could not be put in place; the old ones are."""


def journal_path(scenario: str) -> Path:
    return paths.build_dir() / f".publish-{scenario}.json"


def _write_journal(path: Path, record: dict) -> None:
    """Written whole, flushed to disk and renamed: after a crash the journal is there in full or not at all."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}")
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(record, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def swap(staged: Path, published: Path, retired: Path) -> None:
    """One folder: the published one moves aside (kept until the whole publish is committed), the staged one in."""
    if published.exists():
        published.rename(retired)
    staged.rename(published)


def publish(scenario: str, pairs: list[tuple[Path, Path]]) -> None:
    """Swap each (staged, published) folder pair in, all or none; raises PublishFailed with the old ones in place."""
    journal = journal_path(scenario)
    moves = []
    for staged, published in pairs:
        published.parent.mkdir(parents=True, exist_ok=True)
        moves.append(
            {
                "staged": str(staged),
                "published": str(published),
                "had_old": published.exists(),
                "retired": str(published.with_name(f".retired-{published.name}-{os.getpid()}")),
            }
        )
    _write_journal(journal, {"state": "swapping", "moves": moves})
    for move in moves:
        try:
            swap(Path(move["staged"]), Path(move["published"]), Path(move["retired"]))
        except BaseException as err:  # also Ctrl-C between the swaps: the old folders go back at once
            roll_back(moves)
            journal.unlink(missing_ok=True)
            if not isinstance(err, OSError):
                raise
            raise PublishFailed(
                f"could not replace {project_path(move['published'])} ({err.strerror or err}). Fix: make "
                f"it and the folder it is in writable, then build again. The last good report and "
                f"its figures are unchanged"
            ) from err
    _write_journal(journal, {"state": "committed", "moves": moves})
    finish(moves)
    journal.unlink(missing_ok=True)


def roll_back(moves: list[dict]) -> None:
    """Undo the renames of an unfinished publish, last first: each published folder as it was before."""
    for move in reversed(moves):
        staged, published, retired = (Path(move[key]) for key in ("staged", "published", "retired"))
        if move["had_old"]:
            if not retired.exists():
                continue  # never moved aside: the old folder is still in place
            if published.exists():
                _discard(published)
            retired.rename(published)
        elif published.exists() and not staged.exists():  # there was none before: the new one goes
            _discard(published)
        shutil.rmtree(staged, ignore_errors=True)


def _discard(folder: Path) -> None:
    """Move the new folder out of the published name first (one rename, so the old one can take the name back at
    once), then delete it; if this process dies meanwhile, the next build removes the leftover."""
    trash = folder.with_name(f".retired-new-{folder.name}-{os.getpid()}")
    folder.rename(trash)
    shutil.rmtree(trash, ignore_errors=True)


def finish(moves: list[dict]) -> None:
    for move in moves:
        shutil.rmtree(move["retired"], ignore_errors=True)


def kept_for_recovery() -> set[Path]:
    """The old folders unfinished publishes of any scenario may still need to put back (not leftovers to delete)."""
    kept = set()
    for journal in paths.build_dir().glob(".publish-*.json"):
        try:
            kept.update(Path(move["retired"]) for move in json.loads(journal.read_text(encoding="utf-8"))["moves"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return kept


def recover(scenario: str) -> str | None:
    """Complete or undo a publish of this scenario that a killed build left half done (the caller holds the
    scenario's lock). Returns a line saying what was done, or None."""
    journal = journal_path(scenario)
    try:
        record = json.loads(journal.read_text(encoding="utf-8"))
        state, moves = record["state"], record["moves"]
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):  # torn before its first rename (written whole otherwise)
        journal.unlink(missing_ok=True)
        return None
    if state == "committed":
        finish(moves)
        journal.unlink(missing_ok=True)
        return f"{scenario}: finished publishing the outputs of an interrupted build"
    roll_back(moves)
    journal.unlink(missing_ok=True)
    return f"{scenario}: an interrupted build had replaced part of the outputs; the previous ones are restored"
