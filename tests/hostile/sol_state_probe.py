# benign: what a fresh task sees of its worker's shared state
import os


def solution():
    def meta(path):
        st = os.stat(path)
        return {"mtime_ns": st.st_mtime_ns, "mode": st.st_mode, "xattrs": sorted(os.listxattr(path))}

    return {
        "affinity": sorted(os.sched_getaffinity(0)),
        "nice": os.getpriority(os.PRIO_PROCESS, 0),
        "policy": os.sched_getscheduler(0),
        "cwd_entries": os.listdir("."),
        "tmp_free_mb": os.statvfs(os.environ["TMPDIR"]).f_bavail * os.statvfs(os.environ["TMPDIR"]).f_frsize >> 20,
        "scratch": meta("."),
        "scratch_parent": meta(".."),
    }
