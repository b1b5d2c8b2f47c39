#!/usr/bin/env python3
"""Writes Tests/MessagesTests/Golden/golden.json: contract messages encoded by
Python's protobuf (the reference implementation), for the Swift codec tests.

Regenerate with `make golden` (needs pip packages grpcio-tools and protobuf).
"""
import importlib, json, os, sys, tempfile

from grpc_tools import protoc

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
out_dir = tempfile.mkdtemp()
proto_dir = os.path.join(root, "Protos")
if protoc.main(["protoc", f"-I{proto_dir}", f"--python_out={out_dir}", os.path.join(proto_dir, "user_reco.proto")]) != 0:
    sys.exit("protoc failed")
sys.path.insert(0, out_dir)
pb = importlib.import_module("user_reco_pb2")

def param2(click="", collect="", share="", read=""):
    return dict(click=click, collect=collect, share=share, read=read)

def track_json(t):
    return {
        "exposure": t.exposure,
        "time_stamp": t.time_stamp,
        "recommends": [
            {"article_id": r.article_id,
             "params": (param2(r.params.click, r.params.collect, r.params.share, r.params.read)
                        if r.HasField("params") else None)}
            for r in t.recommends
        ],
    }

cases = []

def add(name, msg, fields):
    cases.append({"name": name, "message": type(msg).__name__, "hex": msg.SerializeToString().hex(), "fields": fields})

for name, kw in [
    ("user_empty", {}),
    ("user_typical", dict(user_id="1", channel_id=18, article_num=10, time_stamp=1700000000000)),
    ("user_negative", dict(user_id="u-负", channel_id=-1, article_num=-2147483648, time_stamp=-1)),
    ("user_extremes", dict(user_id="x" * 300, channel_id=2147483647, article_num=1, time_stamp=9223372036854775807)),
]:
    m = pb.User(**kw)
    add(name, m, dict(user_id=m.user_id, channel_id=m.channel_id, article_num=m.article_num, time_stamp=m.time_stamp))

for name, kw in [
    ("article_empty", {}),
    ("article_typical", dict(article_id=50, article_num=5)),
    ("article_negative", dict(article_id=-9223372036854775808, article_num=-7)),
]:
    m = pb.Article(**kw)
    add(name, m, dict(article_id=m.article_id, article_num=m.article_num))

for name, kw in [
    ("param2_empty", {}),
    ("param2_full", dict(click='{"action":"click","userId":"1","articleId":"50","algorithmCombine":"Algo-1"}',
                         collect='{"action":"collect"}', share="分享 ✓", read="r")),
]:
    m = pb.param2(**kw)
    add(name, m, param2(m.click, m.collect, m.share, m.read))

p1 = pb.param1(article_id=7)
add("param1_no_params", p1, dict(article_id=7, params=None))
p1 = pb.param1(article_id=7, params=pb.param2())
add("param1_empty_params", p1, dict(article_id=7, params=param2()))

t = pb.Track()
add("track_empty", t, track_json(t))
t = pb.Track(exposure='{"action":"exposure","userId":"1","articleId":"[1,2,3]","algorithmCombine":"Algo-1"}', time_stamp=1700000000123)
for aid in [1, 2, 3, 1682]:
    t.recommends.add(article_id=aid, params=pb.param2(click=f'{{"action":"click","articleId":"{aid}"}}', read="read"))
t.recommends.add(article_id=0)
add("track_typical", t, track_json(t))

for name, ids in [("similar_empty", []), ("similar_typical", [50, 181, 1, 1682]), ("similar_negative", [-1, 0, 300, -9223372036854775808])]:
    m = pb.Similar(article_id=ids)
    add(name, m, dict(article_id=list(m.article_id)))

import google.protobuf
doc = {"generator": f"python protobuf {google.protobuf.__version__}", "cases": cases}
path = os.path.join(root, "Tests", "MessagesTests", "Golden", "golden.json")
with open(path, "w") as f:
    json.dump(doc, f, indent=1, ensure_ascii=False)
    f.write("\n")
print(f"wrote {len(cases)} cases to {path}")
