"""The web backend and the app, as a stock grpcio client generated from
Protos/user_reco.proto at run time. Usage: feed_client.py HOST:PORT CASE...
Prints one JSON line per case: {"case", "ok", "detail"}."""
import hashlib, json, os, subprocess, sys, tempfile, time

import grpc

root = os.path.dirname(os.path.abspath(__file__))
protos = os.path.join(root, "..", "..", "..", "Protos")
out = tempfile.mkdtemp()
subprocess.check_call([sys.executable, "-m", "grpc_tools.protoc", "-I" + protos, "--python_out=" + out,
                       "--grpc_python_out=" + out, os.path.join(protos, "user_reco.proto"), os.path.join(protos, "behavior.proto")])
sys.path.insert(0, out)
import behavior_pb2 as bpb  # noqa: E402
import behavior_pb2_grpc as brpc  # noqa: E402
import user_reco_pb2 as pb  # noqa: E402
import user_reco_pb2_grpc as rpc  # noqa: E402

tls_dir = os.environ.get("FEED_TLS_DIR")


def read(name):
    return open(os.path.join(tls_dir, name), "rb").read()


if tls_dir:  # mTLS: our CA, and a client certificate from it
    channel = grpc.secure_channel(sys.argv[1], grpc.ssl_channel_credentials(read("ca.pem"), read("client.key"), read("client.pem")))
else:
    channel = grpc.insecure_channel(sys.argv[1])
stub = rpc.UserRecommendStub(channel)
behavior = brpc.BehaviorStub(channel)
clock = [int(time.time() * 1000) - 3_600_000]


def now():
    clock[0] += 1000
    return clock[0]


def pull(user, channel_id=0, n=4, ts=None):
    return stub.user_recommend(pb.User(user_id=user, channel_id=channel_id, article_num=n, time_stamp=ts or now()), timeout=10)


def check(condition, detail):
    if not condition:
        raise AssertionError(detail)


def case_refresh():
    user = "3"
    seen, batches, times = set(), [], []
    for _ in range(4):
        ts = now()
        track = pull(user, ts=ts)
        ids = [r.article_id for r in track.recommends]
        check(len(ids) == 4, f"refresh returned {ids}")
        check(not seen & set(ids), f"repeat {seen & set(ids)}")
        check(track.time_stamp == (times[-1] if times else 0), f"time_stamp {track.time_stamp}, expected {times[-1:] or 0}")
        exposure = json.loads(track.exposure)
        check(exposure["action"] == "exposure" and json.loads(exposure["articleId"]) == ids, f"exposure {track.exposure}")
        seen |= set(ids)
        batches.append(ids)
        times.append(ts)
    # Paging back: each batch in turn, then 0.
    ts = times[-1]
    for index in range(3, -1, -1):
        track = pull(user, ts=ts)
        check([r.article_id for r in track.recommends] == batches[index], f"page {index}: {track}")
        check(track.exposure == "", "a history page carries no exposure")
        check(track.time_stamp == (times[index - 1] if index else 0), f"page {index} time_stamp {track.time_stamp}")
        ts = track.time_stamp
    # Refresh until recall runs out: never a repeat.
    for _ in range(200):
        ids = [r.article_id for r in pull(user, n=10).recommends]
        if not ids:
            break
        check(not seen & set(ids), f"repeat {seen & set(ids)}")
        seen |= set(ids)
    else:
        raise AssertionError("recall never ran out")
    return f"{len(seen)} distinct items before recall ran out"


def case_channels():
    # A channel's feed holds only that channel's items, and never what the
    # all-channels feed (channel 0) already showed.
    shown = set()
    for _ in range(3):
        shown |= {r.article_id for r in pull("5", channel_id=0, n=5).recommends}
    check(len(shown) == 15, f"channel 0 gave {shown}")
    for channel_id in (1, 2, 3):
        ids = [r.article_id for r in pull("5", channel_id=channel_id, n=5).recommends]
        check(len(ids) == 5, f"channel {channel_id}: {ids}")
        check(not shown & set(ids), f"channel {channel_id} repeated channel 0's {shown & set(ids)}")
        check(all((article_id % 3) + 1 == channel_id or (article_id % 5 == 0 and (article_id + 1) % 3 + 1 == channel_id)
                  for article_id in ids), f"channel {channel_id} holds another channel's items: {ids}")
    return "ok"


def case_ab():
    arms = {}
    for i in range(1, 80):
        user = str(i)
        track = pull(user, n=2)
        strategy = json.loads(track.exposure)["algorithmCombine"]
        expected = "Algo-1" if hashlib.md5(user.encode()).hexdigest()[0] in "0123456789abcd" else "Algo-2"
        check(strategy == expected, f"user {user}: {strategy}, md5 rule says {expected}")
        for r in track.recommends:
            for action in ("click", "collect", "share", "read"):
                param = json.loads(getattr(r.params, action))
                check(param == {"action": action, "userId": user, "articleId": str(r.article_id), "algorithmCombine": expected}, f"{action}: {param}")
        arms[strategy] = arms.get(strategy, 0) + 1
    check(set(arms) == {"Algo-1", "Algo-2"}, f"arms seen {arms}")
    return json.dumps(arms)


def expect_status(call, code, mention):
    try:
        call()
    except grpc.RpcError as error:
        check(error.code() == code, f"{mention}: {error.code()} {error.details()}")
        check(mention in (error.details() or ""), f"message '{error.details()}' does not name {mention}")
        return
    raise AssertionError(f"{mention}: accepted")


def case_invalid():
    bad = grpc.StatusCode.INVALID_ARGUMENT
    expect_status(lambda: pull("1", n=0), bad, "article_num")
    expect_status(lambda: pull("1", n=201), bad, "article_num")
    expect_status(lambda: pull("1", channel_id=99), bad, "channel_id")
    expect_status(lambda: pull("1", channel_id=-1), bad, "channel_id")
    expect_status(lambda: pull("1", ts=-5), bad, "time_stamp")
    expect_status(lambda: pull("1", ts=1_700_000_000), bad, "time_stamp")
    expect_status(lambda: pull("1", ts=int(time.time() * 1000) + 10 * 86_400_000), bad, "time_stamp")
    expect_status(lambda: pull("x" * 129), bad, "user_id")
    expect_status(lambda: stub.article_recommend(pb.Article(article_id=1, article_num=0), timeout=10), bad, "article_num")
    # Invalid UTF-8 in user_id, sent as raw bytes.
    raw = channel.unary_unary("/UserRecommend/user_recommend", request_serializer=lambda b: b, response_deserializer=lambda b: b)
    expect_status(lambda: raw(b"\x0a\x02\xc3\x28\x10\x00\x18\x01", timeout=10), bad, "UTF-8")
    empty = pull("", n=5)
    check(len(empty.recommends) == 0 and empty.exposure == "", f"anonymous pull: {empty}")
    return "ok"


def case_similar():
    for article in (1, 7, 30):
        ids = list(stub.article_recommend(pb.Article(article_id=article, article_num=5), timeout=10).article_id)
        check(len(ids) == 5 and article not in ids, f"similar to {article}: {ids}")
    check(list(stub.article_recommend(pb.Article(article_id=424242, article_num=5), timeout=10).article_id) == [], "unknown article")
    return "ok"


def case_degraded():
    # Fresh users, so every call is a real refresh that needs recall or its fallback.
    for i in range(5):
        track = pull(f"degraded-{time.time_ns()}-{i}", n=5)
        check(len(track.recommends) == 5, f"degraded answer: {track}")
    return "ok"


def case_behavior():
    track = pull("11", n=3)
    ack = behavior.report(bpb.Action(param=track.exposure), timeout=10)
    check(ack.accepted == 3, f"an exposure of 3 articles: {ack}")
    ack = behavior.report(bpb.Action(param=track.recommends[0].params.click), timeout=10)
    check(ack.accepted == 1, f"a click: {ack}")
    expect_status(lambda: behavior.report(bpb.Action(user_id="11", article_id=3, action="klick"), timeout=10),
                  grpc.StatusCode.INVALID_ARGUMENT, "action")
    good = [bpb.Action(user_id=f"s{i}", article_id=1 + i % 60, action="exposure") for i in range(100)]
    ack = behavior.report_stream(iter(good), timeout=10)
    check(ack.accepted == 100, f"stream: {ack}")
    try:
        behavior.report_stream(iter(good[:10] + [bpb.Action(user_id="s", article_id=0, action="click")]), timeout=10)
        raise AssertionError("a stream with a bad action was accepted")
    except grpc.RpcError as error:
        check(error.code() == grpc.StatusCode.INVALID_ARGUMENT and "accepted 10" in error.details(), f"{error.code()} {error.details()}")
        trailers = dict(error.trailing_metadata() or ())
        check(trailers.get("accepted") == "10", f"trailers {trailers}")
    return "ok"


def case_refused_without_certificate():
    # A client that trusts our CA but has no certificate, and a cleartext one: both refused.
    for name, other in [("no client certificate", grpc.secure_channel(sys.argv[1], grpc.ssl_channel_credentials(read("ca.pem")))),
                        ("cleartext", grpc.insecure_channel(sys.argv[1]))]:
        try:
            rpc.UserRecommendStub(other).user_recommend(pb.User(user_id="1", channel_id=0, article_num=1, time_stamp=now()), timeout=5)
            raise AssertionError(f"{name}: served")
        except grpc.RpcError as error:
            check(error.code() == grpc.StatusCode.UNAVAILABLE, f"{name}: {error.code()} {error.details()}")
    return "ok"


def case_hostile():
    """The bad requests of a hostile or broken client; each gets its status
    (or its connection dropped) and the router still serves afterwards."""
    import socket, threading
    host, port = sys.argv[1].rsplit(":", 1)
    raw = channel.unary_unary("/UserRecommend/user_recommend", request_serializer=lambda b: b, response_deserializer=lambda b: b)
    good = pb.User(user_id="1", channel_id=0, article_num=2, time_stamp=now()).SerializeToString()
    results = {}

    def status(call):
        try:
            call()
            return "OK"
        except grpc.RpcError as error:
            return error.code().name

    # A 10 MiB message: over the 4 MiB limit.
    results["10 MiB message"] = status(lambda: raw(b"\x0a" + b"\x80\x80\x80\x05" + b"x" * (10 << 20), timeout=10))
    check(results["10 MiB message"] == "RESOURCE_EXHAUSTED", results)
    # An oversized header block (past SETTINGS_MAX_HEADER_LIST_SIZE).
    results["oversized headers"] = status(lambda: raw(good, timeout=10, metadata=[("x-big", "y" * 40000)]))
    check(results["oversized headers"] == "RESOURCE_EXHAUSTED", results)
    # Unknown fields are kept out of the way; deep nesting inside one is never parsed.
    def varint(n):
        out = b""
        while n >= 0x80:
            out += bytes([n & 0x7f | 0x80])
            n >>= 7
        return out + bytes([n])
    nested = b""
    for _ in range(150):   # deeper than the decoder's limit of 100, inside an unknown field
        nested = b"\x0a" + varint(len(nested)) + nested
    results["unknown fields"] = status(lambda: raw(good + b"\xfa\x06\x03abc" + b"\x82\x07" + varint(len(nested)) + nested, timeout=10))
    check(results["unknown fields"] == "OK", results)
    # Huge and negative numbers.
    for name, user in [("article_num 2^31-1", pb.User(user_id="1", article_num=2**31 - 1, time_stamp=now())),
                       ("article_num -5", pb.User(user_id="1", article_num=-5, time_stamp=now())),
                       ("time_stamp far future", pb.User(user_id="1", article_num=2, time_stamp=2**62)),
                       ("time_stamp negative", pb.User(user_id="1", article_num=2, time_stamp=-1))]:
        results[name] = status(lambda: stub.user_recommend(user, timeout=10))
        check(results[name] == "INVALID_ARGUMENT", results)

    def raw_socket(data):
        s = socket.create_connection((host, int(port)), timeout=5)
        s.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + data)
        s.shutdown(socket.SHUT_WR)
        try:
            while s.recv(65536):
                pass
        except OSError:
            pass
        s.close()

    # A truncated frame, and a DATA frame on a stream that was never opened.
    raw_socket(b"\x00\x00\x06\x04\x00\x00\x00\x00\x00\x00\x03")
    raw_socket(b"\x00\x00\x05\x00\x01\x00\x00\x00\x01\x00\x00\x00\x00\x09")
    # A stream opened and never finished, then abandoned.
    blocker = threading.Event()

    def endless():
        yield bpb.Action(user_id="1", article_id=1, action="click")
        blocker.wait(2)
    future = behavior.report_stream.future(endless(), timeout=1)
    results["unfinished stream"] = status(lambda: future.result())
    blocker.set()
    check(results["unfinished stream"] == "DEADLINE_EXCEEDED", results)
    # Two thousand idle connections.
    idle = [socket.create_connection((host, int(port))) for _ in range(2000)]
    results["with 2000 idle connections"] = status(lambda: raw(good, timeout=10))
    for s in idle:
        s.close()
    check(results["with 2000 idle connections"] == "OK", results)
    # Still serving.
    check(len(pull("1", n=2).recommends) == 2, "the router stopped serving")
    return json.dumps(results)


KEEP = {i for i in range(1, 61) if i % 3 == 2}   # the Drama-only items of the fixture


def case_dislike():
    # User 12 fills a wait list, then dislikes everything but the Drama items.
    first = [r.article_id for r in pull("12", n=3).recommends]
    check(len(first) == 3, f"first refresh {first}")
    actions = [bpb.Action(user_id="12", article_id=i, action="dislike") for i in range(1, 61) if i not in KEEP]
    ack = behavior.report_stream(iter(actions), timeout=10)
    check(ack.accepted == len(actions), f"{ack}")
    return "ok"


def case_after_dislike():
    # The wait list was dropped and recall excludes the disliked: only Drama items now.
    served = []
    for _ in range(3):
        ids = [r.article_id for r in pull("12", n=3).recommends]
        check(set(ids) <= KEEP, f"served disliked items {sorted(set(ids) - KEEP)}")
        served += ids
    check(served, "nothing served")
    return f"served {served}"


for name in sys.argv[2:]:
    try:
        detail = globals()["case_" + name]()
        print(json.dumps({"case": name, "ok": True, "detail": detail}), flush=True)
    except Exception as error:  # report and go on to the next case
        print(json.dumps({"case": name, "ok": False, "detail": repr(error)}), flush=True)
