"""Peer for bench/data-featurize.ts: scikit-learn's HashingVectorizer with the settings of rewardfit's
`hashing` featurizer: word 1-2 grams + char_wb 3-5 grams, alternate_sign, sublinear tf
(sign(x) * (1 + log|x|), as TfidfTransformer(sublinear_tf=True) would do on unsigned counts), L2 norm
per block, prompt and response in separate blocks.

usage: hashing_peer.py PAIRS.jsonl PROMPT_DIM RESPONSE_DIM REPS
prints one JSON line: {"rows", "seconds_sparse", "seconds_dense"} (best of REPS, one thread).
"""
import json
import sys
import time

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.preprocessing import normalize


def block(texts, dim):
    word = HashingVectorizer(n_features=dim, ngram_range=(1, 2), alternate_sign=True, norm=None, dtype=np.float32)
    char = HashingVectorizer(n_features=dim, analyzer='char_wb', ngram_range=(3, 5), alternate_sign=True, norm=None, dtype=np.float32)
    out = []
    for m in (word.transform(texts), char.transform(texts)):
        m.eliminate_zeros()  # signed collisions can cancel to explicit zeros
        m.data = np.sign(m.data) * (1 + np.log(np.abs(m.data)))
        out.append(m)
    return normalize(out[0] + out[1])


def main():
    path, pdim, rdim, reps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    with open(path, encoding='utf-8') as f:
        rows = [json.loads(line) for line in f]
    prompts = [r['prompt'] for r in rows]
    responses = [r['response'] for r in rows]
    best_sparse = best_dense = float('inf')
    for _ in range(reps):
        t = time.perf_counter()
        x = sp.hstack([block(prompts, pdim), block(responses, rdim)]).tocsr()
        t1 = time.perf_counter()
        dense = x.toarray()
        t2 = time.perf_counter()
        assert dense.shape == (len(rows), pdim + rdim)
        best_sparse = min(best_sparse, t1 - t)
        best_dense = min(best_dense, t2 - t)
    print(json.dumps({'rows': len(rows), 'seconds_sparse': best_sparse, 'seconds_dense': best_dense}))


if __name__ == '__main__':
    main()
