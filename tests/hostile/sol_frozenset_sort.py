# a program that does not sort: it returns the set of the values, which the harness once turned into a sorted list
def solution():
    A = __ARRAY__
    return frozenset(A)
