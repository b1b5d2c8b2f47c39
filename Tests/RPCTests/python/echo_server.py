#!/usr/bin/env python3
"""Stock grpcio server (TLS with: CERT KEY [CLIENT_CA]) of the test Echo service (and grpc.health.v1), for the
Swift client's interop tests. Prints "PORT <n>" once serving; exits when its
standard input closes."""
import os, sys, tempfile, threading, time
from concurrent import futures

import grpc
from grpc_tools import protoc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

here = os.path.dirname(os.path.abspath(__file__))
out = tempfile.mkdtemp()
assert protoc.main(["protoc", f"-I{here}", f"--python_out={out}", f"--grpc_python_out={out}", os.path.join(here, "echo.proto")]) == 0
sys.path.insert(0, out)
import echo_pb2, echo_pb2_grpc


class Echo(echo_pb2_grpc.EchoServicer):
    def Get(self, request, context):
        if request.delay_ms:
            deadline = time.time() + request.delay_ms / 1000
            while time.time() < deadline and context.is_active():
                time.sleep(0.01)
        if request.fail_code:
            context.abort(grpc.StatusCode(next(c for c in grpc.StatusCode if c.value[0] == request.fail_code)), request.text)
        md = []
        for key, value in context.invocation_metadata():
            if key.startswith("x-"):
                md.append(f"{key}={value.hex() if isinstance(value, bytes) else value}")
        context.set_trailing_metadata([("x-trailer", "t1")])
        return echo_pb2.EchoResponse(text=request.text, payload=request.payload, metadata=md)

    def Expand(self, request, context):
        for i in range(request.repeat):
            yield echo_pb2.EchoResponse(text=request.text, index=i)

    def Collect(self, request_iterator, context):
        texts = [r.text for r in request_iterator]
        return echo_pb2.EchoResponse(text="".join(texts), index=len(texts))

    def Update(self, request_iterator, context):
        for r in request_iterator:
            yield echo_pb2.EchoResponse(text=r.text)


server = grpc.server(futures.ThreadPoolExecutor(max_workers=32))
echo_pb2_grpc.add_EchoServicer_to_server(Echo(), server)
health_servicer = health.HealthServicer()
health_servicer.set("", health_pb2.HealthCheckResponse.SERVING)
health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
if len(sys.argv) > 2:
    # echo_server.py CERT KEY [CLIENT_CA]: TLS, and mTLS when a client CA is given.
    cert, key = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()
    client_ca = open(sys.argv[3], "rb").read() if len(sys.argv) > 3 else None
    credentials = grpc.ssl_server_credentials([(key, cert)], root_certificates=client_ca, require_client_auth=client_ca is not None)
    port = server.add_secure_port("127.0.0.1:0", credentials)
else:
    port = server.add_insecure_port("127.0.0.1:0")
server.start()
print(f"PORT {port}", flush=True)
sys.stdin.read()
server.stop(0)
