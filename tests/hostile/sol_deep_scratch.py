# a tree of __DEPTH__ nested folders in the scratch directory, with files and modes that refuse deletion
import os


def solution():
    top = os.getcwd()
    for i in range(__DEPTH__):
        os.mkdir("d")
        os.chdir("d")
        if i % 100 == 0:
            open("f", "w").write("x")
    for i in range(__DEPTH__):
        os.chdir("..")
        if i % 7 == 0:
            os.chmod("d", 0o500)
    os.chdir(top)
    return __DEPTH__
