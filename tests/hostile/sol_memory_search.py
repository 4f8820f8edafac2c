# look for an earlier task's output and value in this process: the frames up the stack, every object the
# garbage collector knows and the strings they hold, and the memory around them
import gc
import sys


def solution():
    marker = "codenl" + "-marker-" + "__TOKEN__"
    found = []
    frame = sys._getframe()
    while frame is not None:
        for value in list(frame.f_locals.values()) + list(frame.f_globals.values()):
            if isinstance(value, (str, bytes, bytearray)) and marker.encode() in (
                    value.encode("utf-8", "replace") if isinstance(value, str) else bytes(value)):
                found.append("frame " + frame.f_code.co_name)
        frame = frame.f_back
    mine = {id(marker), id(found)}
    for obj in gc.get_objects():
        if id(obj) in mine:
            continue
        items = obj.values() if isinstance(obj, dict) else obj if isinstance(obj, (list, tuple)) else ()
        try:
            for item in items:
                if isinstance(item, str) and marker in item and item is not marker:
                    found.append("gc " + type(obj).__name__)
                elif isinstance(item, (bytes, bytearray)) and marker.encode() in item:
                    found.append("gc bytes")
        except Exception:
            pass
    return found
