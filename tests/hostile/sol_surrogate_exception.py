# an exception whose message holds lone surrogates (a type name cannot: type() refuses it)
def solution():
    raise ValueError("message " + chr(0xDFFF) + chr(0xD800))
