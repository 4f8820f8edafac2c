# connect to a TCP listener that the test opened on the host's loopback
# @mark
import socket

s = socket.create_connection(("127.0.0.1", __PORT__), timeout=1)
s.sendall(b"escaped")
print("connected")
