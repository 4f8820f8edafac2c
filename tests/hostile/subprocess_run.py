# start another program
# @mark
import subprocess

out = subprocess.run(["/bin/sh", "-c", "echo escaped > __PATH__"], capture_output=True)
print("returncode", out.returncode)
