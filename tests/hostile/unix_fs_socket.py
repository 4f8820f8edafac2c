# connect to a unix socket that the test bound in a host directory
# @mark
import socket

s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect("__PATH__")
s.sendall(b"escaped")
print("connected")
