#!/usr/bin/env python3
"""Stock grpcio client against a gRPC server under test. Prints one JSON
object per case: {"case": name, "ok": bool, "detail": ...}. Usage:
interop_client.py HOST:PORT"""
import concurrent.futures, json, os, sys, tempfile, time

import grpc
from grpc_tools import protoc

here = os.path.dirname(os.path.abspath(__file__))
out = tempfile.mkdtemp()
assert protoc.main(["protoc", f"-I{here}", f"--python_out={out}", f"--grpc_python_out={out}", os.path.join(here, "echo.proto")]) == 0
sys.path.insert(0, out)
import echo_pb2, echo_pb2_grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

target = sys.argv[1]
channel = grpc.insecure_channel(target)
stub = echo_pb2_grpc.EchoStub(channel)
results = []

def case(name):
    def wrap(fn):
        try:
            detail = fn()
            results.append({"case": name, "ok": True, "detail": detail})
        except AssertionError as e:
            results.append({"case": name, "ok": False, "detail": f"assertion: {e}"})
        except grpc.RpcError as e:
            results.append({"case": name, "ok": False, "detail": f"{e.code().name}: {e.details()}"})
        return fn
    return wrap

def code_of(fn):
    try:
        fn()
    except grpc.RpcError as e:
        return e.code().name, e.details()
    return "OK", ""

@case("unary")
def _():
    r = stub.Get(echo_pb2.EchoRequest(text="hello ✓"))
    assert r.text == "hello ✓", r.text

@case("large_messages")
def _():
    payload = os.urandom(1 << 20)
    r = stub.Get(echo_pb2.EchoRequest(payload=payload), timeout=60)
    assert r.payload == payload

@case("concurrent_200")
def _():
    futures = [stub.Get.future(echo_pb2.EchoRequest(text=str(i)), timeout=60) for i in range(200)]
    texts = [f.result().text for f in futures]
    assert texts == [str(i) for i in range(200)]

@case("server_streaming")
def _():
    got = [r.index for r in stub.Expand(echo_pb2.EchoRequest(text="x", repeat=5), timeout=60)]
    assert got == [0, 1, 2, 3, 4], got

@case("client_streaming")
def _():
    r = stub.Collect(iter([echo_pb2.EchoRequest(text=t) for t in "abc"]), timeout=60)
    assert r.text == "abc" and r.index == 3, (r.text, r.index)

@case("bidirectional")
def _():
    got = [r.text for r in stub.Update(iter([echo_pb2.EchoRequest(text=t) for t in ["p", "q"]]), timeout=60)]
    assert got == ["p", "q"], got

@case("deadline_exceeded")
def _():
    code, _ = code_of(lambda: stub.Get(echo_pb2.EchoRequest(delay_ms=5000), timeout=0.2))
    assert code == "DEADLINE_EXCEEDED", code

@case("client_cancel")
def _():
    future = stub.Get.future(echo_pb2.EchoRequest(text="cancel-me", delay_ms=10000))
    time.sleep(0.3)
    future.cancel()
    assert future.cancelled()

@case("unknown_method")
def _():
    call = channel.unary_unary("/test.Echo/Nope", request_serializer=lambda b: b, response_deserializer=lambda b: b)
    code, _ = code_of(lambda: call(b"", timeout=60))
    assert code == "UNIMPLEMENTED", code

@case("oversize_message")
def _():
    code, detail = code_of(lambda: stub.Get(echo_pb2.EchoRequest(payload=b"x" * (5 << 20)), timeout=60))
    assert code == "RESOURCE_EXHAUSTED", (code, detail)

@case("handler_error_status")
def _():
    code, detail = code_of(lambda: stub.Get(echo_pb2.EchoRequest(text="nope ✗ 100%", fail_code=5), timeout=60))
    assert code == "NOT_FOUND" and detail == "nope ✗ 100%", (code, detail)

@case("undecodable_request")
def _():
    call = channel.unary_unary("/test.Echo/Get", request_serializer=lambda b: b, response_deserializer=lambda b: b)
    code, _ = code_of(lambda: call(b"\x0a\x05ab", timeout=60))
    assert code == "INTERNAL", code

@case("metadata_round_trip")
def _():
    r, call = stub.Get.with_call(echo_pb2.EchoRequest(text="m"), metadata=[("x-text", "v1"), ("x-data-bin", b"\x00\x01\xfe\xff")], timeout=60)
    assert "x-text=v1" in r.metadata and "x-data-bin=0001feff" in r.metadata, list(r.metadata)

@case("health_check")
def _():
    health = health_pb2_grpc.HealthStub(channel)
    assert health.Check(health_pb2.HealthCheckRequest(service=""), timeout=60).status == health_pb2.HealthCheckResponse.SERVING
    code, _ = code_of(lambda: health.Check(health_pb2.HealthCheckRequest(service="no.such.Service"), timeout=60))
    assert code == "NOT_FOUND", code

for r in results:
    print(json.dumps(r))
sys.stdout.flush()
