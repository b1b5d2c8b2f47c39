#!/usr/bin/env python3
"""The peer `make bench` measures the five services against, in the same run:
the feed flow as one Python process serves it (grpcio's asyncio server, the
stubs generated from Protos/user_reco.proto), the kind of implementation the
issue's 2,100 user_recommend/s figure comes from. It works on the same
published artifacts and takes the same steps per request:

- validation, and the A/B strategy from md5(user_id) and deploy/experiments.json;
- refresh (time_stamp newer than the newest history) or history paging;
- a refresh takes from the (user, channel) cache of ranked items; when it is
  empty: the strategy's recall lists (als, content, new, hot) interleaved,
  the first 100 items this channel and channel 0 have not shown, ranked by logistic
  regression over a 121-wide user + item vector (the reference's feature
  layout: 10 user weights; an item's channel, 100-d vector and 10 keyword
  weights; values and weights fixed pseudo-random: only the work matters
  here), the rest kept as the wait list;
- the returned batch made durable before answering (SQLite, WAL, one writer
  thread committing every waiting batch with one fsync, as our history log
  group-commits);
- the Track with its exposure and per-item tracking JSON.

What it leaves out of the five services' work: live features, the online
channel, deadlines and degradation, metrics, tracing, and the wait list's
durability (ours writes it behind the request). Prints "listening on PORT"
once it serves.
usage: reference_feed.py ARTIFACTS EXPERIMENTS DATA_DIR [PORT]"""
import asyncio, bisect, hashlib, importlib, json, os, queue, sqlite3, subprocess, sys, tempfile, threading

import grpc
import numpy

RECALL_PROTO = """syntax = "proto3";
message RecallSetsFile { repeated Entry entries = 1; }
message Entry { string source = 1; int64 key = 2; int32 channel = 3; repeated int64 items = 4; }
"""
ACTIONS = ("click", "collect", "share", "read")


def generated_modules():
    """user_reco_pb2 and the recall file's message, compiled now (nothing generated is kept)."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = tempfile.mkdtemp(prefix="reference-feed-")
    open(os.path.join(out, "recall_sets.proto"), "w").write(RECALL_PROTO)
    subprocess.run([sys.executable, "-m", "grpc_tools.protoc", f"-I{os.path.join(root, 'Protos')}", f"-I{out}",
                    f"--python_out={out}", "user_reco.proto", "recall_sets.proto"], check=True)
    sys.path.insert(0, out)
    return importlib.import_module("user_reco_pb2"), importlib.import_module("recall_sets_pb2")


class Durable:
    """Batches to SQLite from one thread: each commit (one fsync) takes every batch waiting."""

    def __init__(self, path, loop):
        self.loop, self.pending = loop, queue.Queue()
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("CREATE TABLE IF NOT EXISTS history (user TEXT, channel INTEGER, time INTEGER, items TEXT, PRIMARY KEY (user, channel, time))")
        threading.Thread(target=self.run, daemon=True).start()

    def append(self, user, channel, time, items):
        future = self.loop.create_future()
        self.pending.put((future, (user, channel, time, ",".join(map(str, items)))))
        return future

    def run(self):
        while True:
            batch = [self.pending.get()]
            while not self.pending.empty():
                batch.append(self.pending.get_nowait())
            self.db.execute("BEGIN")
            self.db.executemany("INSERT OR REPLACE INTO history VALUES (?, ?, ?, ?)", [row for _, row in batch])
            self.db.execute("COMMIT")
            self.loop.call_soon_threadsafe(self.resolve, [future for future, _ in batch])

    @staticmethod
    def resolve(futures):
        for future in futures:
            future.set_result(None)


class Feed:
    def __init__(self, artifacts, experiments, data_dir, pb, recall_pb, loop):
        self.pb = pb
        table = json.load(open(experiments))
        names = table["recall_channels"]
        self.buckets = table["layers"][0]["buckets"]
        self.sources = {name: [names[str(c)] for c in s["recall"] if names[str(c)] in ("als", "content", "new", "hot")]
                        for name, s in table["strategies"].items()}
        recall = recall_pb.RecallSetsFile()
        recall.ParseFromString(open(os.path.join(artifacts, "recall.pb"), "rb").read())
        self.lists = {(e.source, e.key, e.channel): list(e.items) for e in recall.entries}
        items = max((i for lst in self.lists.values() for i in lst), default=0) + 1
        random = numpy.random.default_rng(7)
        self.item_vectors = random.standard_normal((items, 111)).astype(numpy.float32)
        self.user_vectors = random.standard_normal((4096, 10)).astype(numpy.float32)
        self.weights = random.standard_normal(121).astype(numpy.float32) / 11
        self.history = {}   # (user, channel) -> [(time, items)], oldest first
        self.shown = {}     # (user, channel) -> set of items
        self.cache = {}     # (user, channel) -> ranked items not shown yet
        self.durable = Durable(os.path.join(data_dir, "reference-history.sqlite"), loop)

    def strategy(self, user):
        return self.buckets[hashlib.md5(user.encode()).hexdigest()[0]]

    def rank(self, user, candidates):
        user_vector = self.user_vectors[int(user) % 4096 if user.isdigit() else 0]
        scores = self.item_vectors[candidates] @ self.weights[10:] + float(user_vector @ self.weights[:10])
        scores = 1 / (1 + numpy.exp(-scores))
        order = numpy.argsort(-scores, kind="stable")[:100]
        return [candidates[i] for i in order]

    def recall(self, user, channel, strategy, fresh, count=100):
        """The strategy's lists interleaved, each item once, the first `count` that `fresh` keeps."""
        uid = int(user) if user.isdigit() else -1
        lists = [self.lists.get((source, uid if source in ("als", "content") else 0, channel), ()) for source in self.sources[strategy]]
        merged, taken = [], set()
        for position in range(max(map(len, lists), default=0)):
            for items in lists:
                if position < len(items) and (item := items[position]) not in taken:
                    taken.add(item)
                    if fresh(item):
                        merged.append(item)
                        if len(merged) == count:
                            return merged
        return merged

    def track(self, user, strategy, items, time_stamp, exposure):
        who = json.dumps(user)[1:-1]
        tail = f'","algorithmCombine":"{strategy}"}}'
        recommends = [self.pb.param1(article_id=item, params=self.pb.param2(
            **{action: f'{{"action":"{action}","userId":"{who}","articleId":"{item}{tail}' for action in ACTIONS})) for item in items]
        seen = f'{{"action":"exposure","userId":"{who}","articleId":"[{",".join(map(str, items))}]{tail}' if exposure and items else ""
        return self.pb.Track(exposure=seen, recommends=recommends, time_stamp=time_stamp)

    async def user_recommend(self, request, context):
        user, channel, count, time_stamp = request.user_id, request.channel_id, request.article_num, request.time_stamp
        if not user:
            return self.pb.Track()
        if len(user.encode()) > 128:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "user_id: 1..128 bytes")
        if not 0 <= channel <= 19:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "channel_id: 0..19")
        if not 1 <= count <= 200:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "article_num: 1..200")
        strategy = self.strategy(user)
        key = (user, channel)
        batches = self.history.get(key, [])
        last = batches[-1][0] if batches else None
        if last is not None and time_stamp <= last:
            at = bisect.bisect_right(batches, time_stamp, key=lambda b: b[0]) - 1
            if at < 0:
                return self.pb.Track()
            return self.track(user, strategy, batches[at][1], batches[at - 1][0] if at > 0 else 0, exposure=False)
        shown, shown_all = self.shown.get(key, set()), self.shown.get((user, 0), set())
        waiting = [item for item in self.cache.get(key, ()) if item not in shown and item not in shown_all]
        items, rest = waiting[:count], waiting[count:]
        if len(items) < count:
            candidates = self.recall(user, channel, strategy, lambda item: item not in shown and item not in shown_all and item not in items,
                                     max(100, count))
            ranked = self.rank(user, candidates) if candidates else []
            items, rest = items + ranked[:count - len(items)], ranked[count - len(items):]
        self.cache[key] = rest
        if items:
            await self.durable.append(user, channel, time_stamp, items)
            self.history.setdefault(key, []).append((time_stamp, items))
            self.shown.setdefault(key, set()).update(items)
        return self.track(user, strategy, items, last or 0, exposure=True)

    async def article_recommend(self, request, context):
        similar = [item for item in self.lists.get(("similar", request.article_id, 0), ()) if item != request.article_id]
        return self.pb.Similar(article_id=similar[:max(request.article_num, 0)])


async def serve(artifacts, experiments, data_dir, port):
    pb, recall_pb = generated_modules()
    feed = Feed(artifacts, experiments, data_dir, pb, recall_pb, asyncio.get_running_loop())
    server = grpc.aio.server()
    server.add_generic_rpc_handlers([grpc.method_handlers_generic_handler("UserRecommend", {
        "user_recommend": grpc.unary_unary_rpc_method_handler(feed.user_recommend, pb.User.FromString, pb.Track.SerializeToString),
        "article_recommend": grpc.unary_unary_rpc_method_handler(feed.article_recommend, pb.Article.FromString, pb.Similar.SerializeToString),
    })])
    bound = server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    print(f"listening on {bound}", flush=True)
    await server.wait_for_termination()


if __name__ == "__main__":
    artifacts, experiments, data_dir = sys.argv[1:4]
    asyncio.run(serve(artifacts, experiments, data_dir, int(sys.argv[4]) if len(sys.argv) > 4 else 0))
