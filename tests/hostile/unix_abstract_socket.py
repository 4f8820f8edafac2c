# connect to an abstract unix socket that the test created on the host
# @mark
import socket

s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect("\0__NAME__")
s.sendall(b"escaped")
print("connected")
