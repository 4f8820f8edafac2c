# solution() returns a string holding a lone surrogate (ordinary code that builds strings with chr() can)
def solution():
    return "abc" + chr(0xD800)
