# start a shell
# @mark
import os

print("status", os.system("echo escaped > __PATH__"))
