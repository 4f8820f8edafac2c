# look for an earlier task's output and value in this process: everything reachable (four levels deep) from the
# frames up the stack and from every module, and every object the garbage collector knows
import gc
import sys


def solution():
    marker = "codenl" + "-marker-" + "__TOKEN__"
    needle = marker.encode()
    found = []
    seen = {id(marker), id(found)}

    def look(obj, where, depth):
        if id(obj) in seen:
            return
        seen.add(id(obj))
        if isinstance(obj, str):
            if marker in obj:
                found.append(where)
            return
        if isinstance(obj, (bytes, bytearray, memoryview)):
            if needle in bytes(obj):
                found.append(where)
            return
        if depth <= 0:
            return
        try:
            if isinstance(obj, dict):
                items = list(obj.items())
                children = [k for k, _ in items] + [v for _, v in items]
            elif isinstance(obj, (list, tuple, set, frozenset)):
                children = list(obj)
            else:
                children = list(getattr(obj, "__dict__", {}).values())
        except Exception:
            return
        for child in children:
            look(child, where, depth - 1)

    frame = sys._getframe().f_back
    while frame is not None:
        look(frame.f_locals, "frame " + frame.f_code.co_name, 4)
        look(frame.f_globals, "frame globals " + frame.f_code.co_name, 4)
        frame = frame.f_back
    for name, module in list(sys.modules.items()):
        look(module, "module " + name, 4)
    for obj in gc.get_objects():
        look(obj, "gc " + type(obj).__name__, 1)
    return sorted(set(found))
