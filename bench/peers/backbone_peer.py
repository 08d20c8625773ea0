#!/usr/bin/python3
"""
PyTorch peer of `npm run bench:backbone` (bench/backbone.ts).

  export --out DIR --shape minilm|qwen05 --texts N
      Builds a random-weight model of that shape (plain torch, HF names; scripts/fixtures/tiny_models.py),
      writes DIR/{config.json, tokenizer.json, tokenizer_config.json, onnx/model.onnx, weights.pt,
      pairs.json, ids.json}. Every pair tokenizes to exactly 128 tokens (word-level vocabulary).
  run --dir DIR --threads T --batch B --repeat R [--ids FILE] [--padding sorted|naive]
      Runs the same weights on the same token ids with torch (inference_mode, float32), pools like rewardfit
      (mean for the encoder, last real token for the decoder), prints one JSON line:
      {"threads", "texts", "tokens", "seconds", "cpuSeconds", "textsPerSec", "maxRssMB", "first": [row 0, 8 values]}.
      Ragged ids are right-padded per batch: sorted by length first (as rewardfit) or in input order (naive).
      Tokenization is not timed here (ids are precomputed); rewardfit's figure includes its tokenizer.
"""
import argparse
import json
import os
import resource
import sys
import time

# torch.set_num_threads does not reach Debian's OpenBLAS (torch sees it as "generic" BLAS), whose own
# pthreads would otherwise spin on every core: pin it to the same count before torch loads it.
if "--threads" in sys.argv:
    _t = sys.argv[sys.argv.index("--threads") + 1]
    os.environ.setdefault("OPENBLAS_NUM_THREADS", _t)
    os.environ.setdefault("OMP_NUM_THREADS", _t)

import torch  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../scripts/fixtures"))
import tiny_models as tm  # noqa: E402

SHAPES = {
    # sentence-transformers/all-MiniLM-L6-v2: 6 layers, width 384, 12 heads, intermediate 1536, vocab 30522
    "minilm": dict(kind="bert", vocab=30522, hidden=384, layers=6, heads=12, inter=1536),
    # Qwen2-0.5B layers (24, width 896, 14 heads, 2 KV heads, intermediate 4864, q/k/v bias); the vocabulary
    # is cut to 32k (Qwen2: 151,936): a feature extractor only looks rows up in it, so speed is unchanged.
    "qwen05": dict(kind="llama", vocab=32000, hidden=896, layers=24, heads=14, kv=2, inter=4864),
}


def build(shape):
    s = SHAPES[shape]
    if s["kind"] == "bert":
        cfg = tm.BertConfig(vocab_size=s["vocab"], hidden_size=s["hidden"], num_hidden_layers=s["layers"],
                            num_attention_heads=s["heads"], intermediate_size=s["inter"], max_position_embeddings=512)
        model = tm.BertModel(cfg)
    else:
        cfg = tm.LlamaConfig(vocab_size=s["vocab"], hidden_size=s["hidden"], num_hidden_layers=s["layers"],
                             num_attention_heads=s["heads"], num_key_value_heads=s["kv"], intermediate_size=s["inter"],
                             max_position_embeddings=4096, model_type="qwen2", rope_theta=1000000.0)
        model = tm.LlamaModel(cfg)
    return s, cfg, model


class LastOnly(torch.nn.Module):
    """Exports last_hidden_state only (no hidden_states.{i}), as a plain feature-extraction export."""

    def __init__(self, m):
        super().__init__()
        self.m = m
        self.config = m.config

    def forward(self, a, b, c):
        return self.m(a, b, c)[0]


def export(args):
    s, cfg, model = build(args.shape)
    tm.init_weights(model, seed=3, std=0.02)
    os.makedirs(os.path.join(args.out, "onnx"), exist_ok=True)
    torch.save(model.state_dict(), os.path.join(args.out, "weights.pt"))
    tm.write_config(args.out, cfg)
    n_special = len(tm.LLAMA_SPECIAL) if s["kind"] == "llama" else 5
    words = [f"w{i}" for i in range(s["vocab"] - n_special)]
    g = torch.Generator().manual_seed(4)
    pairs, ids, types = [], [], []
    if s["kind"] == "bert":
        vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + words
        tm.write_bert_tokenizer(args.out, vocab)
        index = {t: i for i, t in enumerate(vocab)}
        p_len, r_len = 63, 62  # [CLS] 63 [SEP] 62 [SEP] = 128
    else:
        vocab = list(tm.LLAMA_SPECIAL) + words
        tm.write_llama_tokenizer(args.out, vocab)
        index = {t: i for i, t in enumerate(vocab)}
        p_len, r_len = 62, 61  # <s> <|user|> 62 <|end|> <|assistant|> 61 <|end|> = 128
    for _ in range(args.texts):
        w = torch.randint(0, len(words), (p_len + r_len,), generator=g).tolist()
        p = " ".join(words[i] for i in w[:p_len])
        r = " ".join(words[i] for i in w[p_len:])
        pairs.append({"prompt": p, "response": r})
        if s["kind"] == "bert":
            i, t = tm.bert_encode_pair(p, r, index)
            ids.append(i)
            types.append(t)
        else:
            text = tm.llama_render([{"role": "user", "content": p}, {"role": "assistant", "content": r}])
            ids.append([index[t] for t in tm.llama_tokenize(text, index)])
            types.append([0] * len(ids[-1]))
        assert len(ids[-1]) == 128, len(ids[-1])
    with open(os.path.join(args.out, "pairs.json"), "w") as f:
        json.dump(pairs, f)
    with open(os.path.join(args.out, "ids.json"), "w") as f:
        json.dump({"ids": ids, "types": types}, f)
    t0 = time.time()
    wrapped = LastOnly(model).eval()
    third = "token_type_ids" if s["kind"] == "bert" else "position_ids"
    x = torch.tensor(ids[:2])
    mask = torch.ones_like(x)
    extra = torch.zeros_like(x) if s["kind"] == "bert" else tm.position_ids_from_mask(mask)
    axes = {n: {0: "batch_size", 1: "sequence_length"} for n in ["input_ids", "attention_mask", third, "last_hidden_state"]}
    with torch.no_grad():
        torch.onnx.export(wrapped, (x, mask, extra), os.path.join(args.out, "onnx", "model.onnx"),
                          input_names=["input_ids", "attention_mask", third], output_names=["last_hidden_state"],
                          dynamic_axes=axes, opset_version=args.opset, do_constant_folding=True)
    params = sum(p.numel() for p in model.parameters())
    print(json.dumps({"params": params, "exportSeconds": round(time.time() - t0, 1), "kind": s["kind"]}))


def run(args):
    torch.set_num_threads(args.threads)
    cfg = json.load(open(os.path.join(args.dir, "config.json")))
    shape = "minilm" if cfg["model_type"] == "bert" else "qwen05"
    s, _, model = build(shape)
    model.load_state_dict(torch.load(os.path.join(args.dir, "weights.pt")))
    model.eval()
    tokens = json.load(open(args.ids or os.path.join(args.dir, "ids.json")))
    ids, types = tokens["ids"][: args.texts], tokens["types"][: args.texts]
    # sorted: rows ordered by length so each batch pads to its own longest row (rewardfit's bucketing);
    # naive: batches in input order, padded to their longest row (HF tokenizers' padding=True).
    order = sorted(range(len(ids)), key=lambda i: (len(ids[i]), i)) if args.padding == "sorted" else list(range(len(ids)))
    pad = 0
    first = None

    def batch(rows):
        t = max(len(ids[i]) for i in rows)
        x = torch.full((len(rows), t), pad, dtype=torch.long)
        tt = torch.zeros((len(rows), t), dtype=torch.long)
        mask = torch.zeros((len(rows), t), dtype=torch.long)
        for k, i in enumerate(rows):
            n = len(ids[i])
            x[k, :n] = torch.tensor(ids[i])
            tt[k, :n] = torch.tensor(types[i])
            mask[k, :n] = 1
        return x, tt, mask

    def forward(rows):
        x, tt, mask = batch(rows)
        if s["kind"] == "bert":
            h = model(x, mask, tt)[0]
            return (h * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
        h = model(x, mask, tm.position_ids_from_mask(mask))[0]
        return h[torch.arange(len(rows)), mask.sum(1) - 1]  # last real token (right padding)

    def once():
        nonlocal first
        with torch.inference_mode():
            for i in range(0, len(order), args.batch):
                rows = order[i:i + args.batch]
                v = forward(rows)
                if 0 in rows:
                    first = [round(float(t), 6) for t in v[rows.index(0)][:8]]

    with torch.inference_mode():  # warm-up: two rows
        forward(order[:2])
    best, best_cpu = float("inf"), float("inf")
    for _ in range(args.repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        once()
        best, best_cpu = min(best, time.perf_counter() - t0), min(best_cpu, time.process_time() - c0)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"threads": args.threads, "texts": len(ids), "tokens": sum(len(r) for r in ids), "seconds": best,
                      "cpuSeconds": best_cpu, "textsPerSec": len(ids) / best, "maxRssMB": rss, "first": first}))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("export")
    e.add_argument("--out", required=True)
    e.add_argument("--shape", choices=sorted(SHAPES), required=True)
    e.add_argument("--texts", type=int, default=256)
    e.add_argument("--opset", type=int, default=17)
    r = sub.add_parser("run")
    r.add_argument("--dir", required=True)
    r.add_argument("--threads", type=int, default=1)
    r.add_argument("--batch", type=int, default=16)
    r.add_argument("--texts", type=int, default=256)
    r.add_argument("--repeat", type=int, default=2)
    r.add_argument("--ids", help="token ids file (default DIR/ids.json): {ids: [[...]], types: [[...]]}")
    r.add_argument("--padding", choices=["sorted", "naive"], default="sorted")
    args = ap.parse_args()
    export(args) if args.cmd == "export" else run(args)


if __name__ == "__main__":
    main()
