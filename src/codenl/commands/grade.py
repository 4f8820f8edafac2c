"""``python -m codenl grade``: grade every arm of shards into graded records.

    python -m codenl grade --problems P... --nl F... --sim F... --controlsim F... --executions F... --out F...

One option per arm of the arm registry (its ``records``: the responses of an asked arm, the execution records of
the executed one).  The lists are aligned by position (the i-th file of each list belongs to the same kind, size and
seed; one per size).  Records are joined by ``instance_id``.  Every instance of a problem file must have exactly one
record in each of the other files, and those files must hold no record of any other instance: a missing, duplicate
or foreign record is a :class:`~codenl.errors.RecordError` naming the file and the instance, never silently
dropped.  Each output file gets one graded record per instance and arm (nl, sim, controlsim, code), in the order of
the problem file, written atomically.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from codenl.arms import ARM_REGISTRY, ARMS
from codenl.errors import RecordError, UsageError
from codenl.grading import grade_instance
from codenl.records import iter_jsonl, read_jsonl_checked, write_jsonl_atomic

#: the option of each arm's records, in the order of the arms
ARM_OPTIONS: dict[str, str] = {arm: ARM_REGISTRY[arm].records for arm in ARMS}
LISTS = ("problems", *ARM_OPTIONS.values(), "out")

INSTANCE_FIELDS: dict[str, type | tuple[type, ...]] = {
    "id": str,
    "kind": str,
    "family": str,
    "size": int,
    "seed": int,
    "index": int,
    "answer_type": str,
    "generator_version": str,
}


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--problems", nargs="+", required=True, metavar="F", help="instance shards")
    for arm, option in ARM_OPTIONS.items():
        what = f"{arm} response shards" if ARM_REGISTRY[arm].asked else f"execution shards (the {arm} arm)"
        parser.add_argument(f"--{option}", nargs="+", required=True, metavar="F", help=what)
    parser.add_argument("--out", nargs="+", required=True, metavar="F", help="graded shards to write")


def _by_instance(path: str, instance_ids: list[str], what: str) -> dict[str, dict[str, Any]]:
    """The records of ``path`` keyed by instance_id; each instance exactly once, no foreign instance."""
    wanted = set(instance_ids)
    out: dict[str, dict[str, Any]] = {}
    for lineno, record in iter_jsonl(path):
        iid = record.get("instance_id")
        if not isinstance(iid, str):
            raise RecordError(f"{path}:{lineno}: missing field 'instance_id'")
        if iid not in wanted:
            raise RecordError(f"{path}:{lineno}: {what} for instance {iid}, which is not in the problem file")
        if iid in out:
            raise RecordError(f"{path}:{lineno}: a second {what} for instance {iid}")
        out[iid] = record
    for iid in instance_ids:
        if iid not in out:
            raise RecordError(f"{path}: no {what} for instance {iid}")
    return out


def grade_shard(problems: str, records: dict[str, str]) -> list[dict[str, Any]]:
    """The graded records of one shard: ``records`` maps each arm to its file (reads the files; pure otherwise)."""
    instances = read_jsonl_checked(problems, INSTANCE_FIELDS)
    ids = [inst["id"] for inst in instances]
    if len(set(ids)) != len(ids):
        raise RecordError(f"{problems}: an instance id occurs twice")
    joined = {
        arm: _by_instance(records[arm], ids, f"{arm} response" if ARM_REGISTRY[arm].asked else "execution record")
        for arm in ARMS
    }
    out: list[dict[str, Any]] = []
    for inst in instances:
        iid = inst["id"]
        try:
            out.extend(grade_instance(inst, {arm: joined[arm][iid] for arm in ARMS}))
        except RecordError as exc:
            raise RecordError(f"{problems} with {', '.join(records[arm] for arm in ARMS)}: {exc}") from None
    return out


def run(args: argparse.Namespace) -> int:
    lists = {name: list(getattr(args, name)) for name in LISTS}
    lengths = {name: len(files) for name, files in lists.items()}
    if len(set(lengths.values())) != 1:
        shown = ", ".join(f"--{name} {n}" for name, n in lengths.items())
        raise UsageError(f"the file lists must be aligned (same length): {shown}")
    outs = lists["out"]
    if len(set(outs)) != len(outs):
        raise UsageError("--out names the same file twice")
    for name in LISTS[:-1]:
        for path in lists[name]:
            if not Path(path).is_file():
                raise UsageError(f"--{name}: no such file {path}")
    # grade everything first, then write: a bad shard leaves no partial set of outputs
    results = [
        grade_shard(path, {arm: lists[option][i] for arm, option in ARM_OPTIONS.items()})
        for i, path in enumerate(lists["problems"])
    ]
    for path, records in zip(outs, results):
        write_jsonl_atomic(path, records)
    return 0
