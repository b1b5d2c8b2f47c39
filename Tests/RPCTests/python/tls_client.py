#!/usr/bin/env python3
"""One unary Echo/Get over TLS with grpcio. Usage:
tls_client.py HOST:PORT CA_PEM [CLIENT_PEM CLIENT_KEY]. Prints OK or the status code name."""
import os, sys, tempfile
import grpc
from grpc_tools import protoc

here = os.path.dirname(os.path.abspath(__file__))
out = tempfile.mkdtemp()
assert protoc.main(["protoc", f"-I{here}", f"--python_out={out}", f"--grpc_python_out={out}", os.path.join(here, "echo.proto")]) == 0
sys.path.insert(0, out)
import echo_pb2, echo_pb2_grpc

target, ca = sys.argv[1], open(sys.argv[2], "rb").read()
cert = open(sys.argv[3], "rb").read() if len(sys.argv) > 4 else None
key = open(sys.argv[4], "rb").read() if len(sys.argv) > 4 else None
credentials = grpc.ssl_channel_credentials(root_certificates=ca, private_key=key, certificate_chain=cert)
channel = grpc.secure_channel(target, credentials, options=[("grpc.ssl_target_name_override", "localhost")])
try:
    reply = echo_pb2_grpc.EchoStub(channel).Get(echo_pb2.EchoRequest(text="over tls"), timeout=60)
    print("OK" if reply.text == "over tls" else "WRONG")
except grpc.RpcError as e:
    print(e.code().name)
