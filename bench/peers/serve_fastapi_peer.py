#!/usr/bin/python3
"""FastAPI on uvicorn: the Python reward server people deploy, the peer of `rewardfit serve` in bench/serve.ts.

POST /v1/score {"items": [{"prompt", "response"}]} -> {"rewards": [...], "scores": [{name: s}]}, validated
by pydantic models, scored by the same Model as bench/peers/serve_peer.py (scikit-learn HashingVectorizer
features of rewardfit's block widths and the model folder's linear head, in numpy): the same hashing
and head work as rewardfit, not the same numbers. uvicorn runs --workers processes (one per core by
default); the endpoint is a plain `def`, so FastAPI runs it on its thread pool, as CPU-bound handlers
are usually written.

Usage: /usr/bin/python3 bench/peers/serve_fastapi_peer.py --model DIR [--port 0] [--workers N]
       (prints "listening URL" when the first worker is up)
"""
import argparse
import os
import socket
import sys
from typing import List

from fastapi import FastAPI
from pydantic import BaseModel

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_peer import Model  # noqa: E402


class Item(BaseModel):
    prompt: str
    response: str


class ScoreRequest(BaseModel):
    items: List[Item]


app = FastAPI()
model = Model(os.environ["REWARDFIT_PEER_MODEL"]) if "REWARDFIT_PEER_MODEL" in os.environ else None


@app.on_event("startup")
def announce():
    print(f"listening {os.environ['REWARDFIT_PEER_URL']}", flush=True)


@app.get("/healthz")
def healthz():
    return {"status": "ok"}


@app.post("/v1/score")
def score(req: ScoreRequest):
    return model.score([{"prompt": it.prompt, "response": it.response} for it in req.items])


def main():
    import uvicorn

    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    a = ap.parse_args()
    port = a.port
    if port == 0:  # uvicorn's workers need the port before they start
        with socket.socket() as s:
            s.bind((a.host, 0))
            port = s.getsockname()[1]
    os.environ["REWARDFIT_PEER_MODEL"] = a.model
    os.environ["REWARDFIT_PEER_URL"] = f"http://{a.host}:{port}"
    uvicorn.run(
        "serve_fastapi_peer:app",
        app_dir=os.path.dirname(os.path.abspath(__file__)),
        host=a.host,
        port=port,
        workers=a.workers,
        log_level="warning",
        access_log=False,
        backlog=2048,
    )


if __name__ == "__main__":
    sys.exit(main())
