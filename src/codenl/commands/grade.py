"""``python -m codenl grade``: grade the four arms of shards into graded records.

    python -m codenl grade --problems P... --nl F... --sim F... --controlsim F... --executions F... --out F...

The lists are aligned by position (the i-th file of each list belongs to the same kind, size and seed; one per
size).  Records are joined by ``instance_id``.  Every instance of a problem file must have exactly one record in
each of the four other files, and those files must hold no record of any other instance: a missing, duplicate or
foreign record is a :class:`~codenl.errors.RecordError` naming the file and the instance, never silently dropped.
Each output file gets four graded records per instance (nl, sim, controlsim, code), in the order of the problem
file, written atomically.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from codenl.errors import RecordError, UsageError
from codenl.grading import grade_instance
from codenl.records import iter_jsonl, read_jsonl_checked, write_jsonl_atomic

LISTS = ("problems", "nl", "sim", "controlsim", "executions", "out")

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
    parser.add_argument("--nl", nargs="+", required=True, metavar="F", help="nl response shards")
    parser.add_argument("--sim", nargs="+", required=True, metavar="F", help="sim response shards")
    parser.add_argument("--controlsim", nargs="+", required=True, metavar="F", help="controlsim response shards")
    parser.add_argument("--executions", nargs="+", required=True, metavar="F", help="execution shards")
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


def grade_shard(
    problems: str, nl: str, sim: str, controlsim: str, executions: str
) -> list[dict[str, Any]]:
    """The graded records of one shard (reads the five files; pure otherwise)."""
    instances = read_jsonl_checked(problems, INSTANCE_FIELDS)
    ids = [inst["id"] for inst in instances]
    if len(set(ids)) != len(ids):
        raise RecordError(f"{problems}: an instance id occurs twice")
    joined = {
        "nl": _by_instance(nl, ids, "nl response"),
        "sim": _by_instance(sim, ids, "sim response"),
        "controlsim": _by_instance(controlsim, ids, "controlsim response"),
        "executions": _by_instance(executions, ids, "execution record"),
    }
    records: list[dict[str, Any]] = []
    for inst in instances:
        iid = inst["id"]
        try:
            records.extend(
                grade_instance(
                    inst, joined["nl"][iid], joined["sim"][iid], joined["controlsim"][iid], joined["executions"][iid]
                )
            )
        except RecordError as exc:
            raise RecordError(f"{problems} with {nl}, {sim}, {controlsim}, {executions}: {exc}") from None
    return records


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
        grade_shard(p, n, s, c, e)
        for p, n, s, c, e in zip(
            lists["problems"], lists["nl"], lists["sim"], lists["controlsim"], lists["executions"]
        )
    ]
    for path, records in zip(outs, results):
        write_jsonl_atomic(path, records)
    return 0
