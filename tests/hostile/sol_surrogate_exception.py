# an exception whose message (and type name) hold lone surrogates
def solution():
    raise type("Bad\udc80Error", (ValueError,), {})("message " + chr(0xDFFF))
