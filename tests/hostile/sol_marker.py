# benign: prints and returns a marker that a later task must not find
def solution():
    marker = "codenl" + "-marker-" + "__TOKEN__"
    print(marker * 3)
    return marker
