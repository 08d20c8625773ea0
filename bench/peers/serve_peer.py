#!/usr/bin/python3
"""Minimal Python reward server, the peer of `rewardfit serve` in bench/serve.ts.

POST /v1/score {"items": [{"prompt", "response"}]} -> {"rewards": [...], "scores": [{name: s}]}, served
by http.server's ThreadingHTTPServer (FastAPI is not installed here), scoring with the SAME linear
head weights (the model folder's head.safetensors) and the same target stats and attribute weights
in numpy.

The features are NOT rewardfit's: they come from scikit-learn's HashingVectorizer (word 1-2 grams
plus char_wb 3-5 grams, L2-normalized, one block for the prompt and one for the response, widths as
in the model's config), which does comparable work per text but hashes differently. The peer is a
cost comparison, not a numerical one.

Usage: /usr/bin/python3 bench/peers/serve_peer.py --model DIR [--port 0]   (prints "listening URL")
"""
import argparse
import json
import struct
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        assert e["dtype"] == "F32", e["dtype"]
        b, end = e["data_offsets"]
        out[name] = np.frombuffer(data[8 + n + b : 8 + n + end], dtype="<f4").reshape(e["shape"])
    return out


class Model:
    def __init__(self, folder):
        with open(f"{folder}/config.json") as f:
            cfg = json.load(f)
        assert cfg["head"]["type"] == "linear", "the peer only serves linear heads"
        params = read_safetensors(f"{folder}/head.safetensors")
        self.w = params["linear.weight"].astype(np.float32)  # [k, d]
        self.b = params["linear.bias"].astype(np.float32)  # [k]
        self.attributes = cfg["attributes"]
        self.weights = np.array(cfg["attributeWeights"], dtype=np.float64)
        self.mean = np.array([s["mean"] for s in cfg["targetStats"]])
        self.std = np.array([s["std"] for s in cfg["targetStats"]])
        fz = cfg["featurizer"]
        d = self.w.shape[1]
        inter = 13 if fz.get("interactions", True) else 0
        hashed = d - inter
        p = round(hashed * fz.get("promptShare", 0.25))
        self.widths = (p, hashed - p, inter)

        def vec(width):
            words = HashingVectorizer(n_features=max(width, 1), ngram_range=(1, 2), norm=None, alternate_sign=True)
            chars = HashingVectorizer(n_features=max(width, 1), analyzer="char_wb", ngram_range=(3, 5), norm=None, alternate_sign=True)
            return words, chars

        self.prompt_vec = vec(p)
        self.response_vec = vec(hashed - p)

    @staticmethod
    def block(vecs, texts):
        words, chars = vecs
        x = words.transform(texts) + chars.transform(texts)
        norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
        norms[norms == 0] = 1
        return sp.diags(1 / norms) @ x

    def score(self, items):
        prompts = [it["prompt"] for it in items]
        responses = [it["response"] for it in items]
        x = sp.hstack(
            [
                self.block(self.prompt_vec, prompts),
                self.block(self.response_vec, responses),
                sp.csr_matrix((len(items), self.widths[2]), dtype=np.float64),
            ],
            format="csr",
        ).astype(np.float32)
        out = x @ self.w.T + self.b  # [n, k] standardized
        scores = self.mean + self.std * np.asarray(out, dtype=np.float64)
        rewards = scores @ self.weights
        return {
            "rewards": rewards.tolist(),
            "scores": [dict(zip(self.attributes, row)) for row in scores.tolist()],
        }


def make_handler(model):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as autocannon expects

        def log_message(self, *args):
            pass

        def reply(self, status, obj):
            body = json.dumps(obj).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            if self.path == "/healthz":
                return self.reply(200, {"status": "ok"})
            self.reply(404, {"error": {"message": "not found", "field": None}})

        def do_POST(self):
            n = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(n)
            if self.path != "/v1/score":
                return self.reply(404, {"error": {"message": "not found", "field": None}})
            try:
                items = json.loads(raw)["items"]
                self.reply(200, model.score(items))
            except Exception as e:  # the peer only needs to stay up for the benchmark
                self.reply(400, {"error": {"message": str(e), "field": None}})

    return Handler


class Server(ThreadingHTTPServer):
    request_queue_size = 1024  # 100 connections arrive at once
    daemon_threads = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    a = ap.parse_args()
    model = Model(a.model)
    srv = Server((a.host, a.port), make_handler(model))
    print(f"listening http://{a.host}:{srv.server_address[1]}", flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
