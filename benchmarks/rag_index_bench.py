"""ftlab.rag's search backends side by side: exact numpy (default) vs faiss HNSW vs Qdrant embedded.

    python benchmarks/rag_index_bench.py                   # handbook + 10k and 50k distractors; appends to RESULTS.md
    python benchmarks/rag_index_bench.py --quick           # smoke run: 2k distractors, 20 queries, no RESULTS.md

Vectors: the ``minilm`` preset's embeddings of the bundled handbook's chunks (real), and the same plus N
distractors. A distractor mixes two real chunk vectors with random weights and adds Gaussian noise, then is
normalized: it lies where real embeddings lie (uniformly random unit vectors in 384 dimensions would be
nearly orthogonal to every query, an easy case no real corpus offers). Queries: minilm embeddings of the
handbook's questions (real). Every backend indexes the same float32 matrix and answers the same queries.

Measured per backend and corpus: build seconds (exact: none — it is the matrix itself), query latency of one
vector at k=10 (median and 95th percentile over the queries, after 5 untimed warm-up queries), recall@10 =
the share of exact's top 10 the backend returns, and the index's memory: exact = the embedding matrix (held
by the knowledge base anyway), faiss = its serialized index (vectors + graph), Qdrant = what Python and numpy
allocate while building its in-memory collection (tracemalloc, in a second, untimed build). The
query's own embedding (minilm, one question) is timed once separately: it is the same for every backend.
One thread everywhere (OMP/BLAS/faiss), so backends compare on equal terms on this shared machine.
"""
from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # before numpy/torch load their thread pools

import argparse  # noqa: E402
import datetime  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from importlib.metadata import version  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import psutil  # noqa: E402

import ftlab  # noqa: E402
import ftlab.rag as R  # noqa: E402
from ftlab.rag.backends import make_backend  # noqa: E402

HERE = Path(__file__).resolve().parent
K = 10
BACKENDS = {"exact": {}, "faiss-fast": {"m": 16, "ef_construction": 100, "ef_search": 32},
            "faiss": {"m": 32, "ef_construction": 200, "ef_search": 128},  # FaissBackend's defaults
            "faiss-accurate": {"m": 32, "ef_construction": 200, "ef_search": 512}, "qdrant": {}}


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--distractors", type=int, nargs="+", default=[10_000, 50_000])
    p.add_argument("--queries", type=int, default=200, help="handbook questions used as queries")
    p.add_argument("--quick", action="store_true", help="2k distractors, 20 queries, no RESULTS.md section")
    p.add_argument("--seed", type=int, default=0)
    return p.parse_args(argv)


def real_vectors(n_queries: int) -> tuple[np.ndarray, np.ndarray, dict]:
    """minilm embeddings of the handbook's chunks (N, 384) and questions (Q, 384), and how long they took."""
    encoder = ftlab.load_model("minilm", task="regression")
    start = time.perf_counter()
    kb = R.KnowledgeBase.from_dataset(R.load_handbook(), embedder=encoder)
    build_s = time.perf_counter() - start
    questions = R.load_questions()["question"][:n_queries]
    queries = encoder.encode(questions, batch_size=32, max_len=kb.max_len, normalize=True).astype(np.float32)
    one = []
    for q in questions[:20]:  # one question at a time, as a user asks
        t = time.perf_counter()
        encoder.encode([q], max_len=kb.max_len, normalize=True)
        one.append(time.perf_counter() - t)
    info = {"chunks": len(kb), "documents": len(kb.documents), "kb_build_s": build_s,
            "query_embed_ms_p50": 1000 * statistics.median(one)}
    return kb.embeddings, queries, info


def with_distractors(chunks: np.ndarray, n: int, seed: int) -> np.ndarray:
    """``chunks`` plus ``n`` normalized noisy mixtures of two random chunk vectors.  -> (N + n, H)"""
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, len(chunks), (2, n))
    w = rng.uniform(0, 1, (n, 1)).astype(np.float32)
    noise = rng.normal(0, 0.5 / np.sqrt(chunks.shape[1]), (n, chunks.shape[1])).astype(np.float32)  # norm ~0.5
    mixed = w * chunks[a] + (1 - w) * chunks[b] + noise
    return np.concatenate([chunks, mixed / np.linalg.norm(mixed, axis=1, keepdims=True)])


def index_mb(name: str, backend, vectors: np.ndarray) -> float:
    """Memory the backend's index takes, in MiB (see the module docstring for how each is counted)."""
    if name == "exact":
        return vectors.nbytes / 2**20
    if name.startswith("faiss"):
        return backend.faiss.serialize_index(backend.index).nbytes / 2**20
    tracemalloc.start()
    twin = make_backend("qdrant", vectors)
    held = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    twin.close()
    return held / 2**20


def measure(name: str, vectors: np.ndarray, queries: np.ndarray, truth: list[set]) -> dict:
    """Build one backend over ``vectors`` and time and score its answers to ``queries``."""
    start = time.perf_counter()
    backend = make_backend(name.split("-")[0], vectors, **BACKENDS[name])
    build_s = time.perf_counter() - start
    for q in queries[:5]:  # warm-up: first calls pay for lazy set-up
        backend.search(q, K)
    times, found = [], []
    for q, want in zip(queries, truth):
        t = time.perf_counter()
        rows, _ = backend.search(q, K)
        times.append(time.perf_counter() - t)
        found.append(len(set(rows.tolist()) & want) / K)
    memory = index_mb(name, backend, vectors)
    if hasattr(backend, "close"):
        backend.close()
    ms = sorted(1000 * t for t in times)
    return {"backend": name, "build_s": 0.0 if name == "exact" else build_s, "query_ms_p50": statistics.median(ms),
            "query_ms_p95": ms[int(0.95 * (len(ms) - 1))], "recall_at_10": float(np.mean(found)),
            "index_mb": memory, "options": BACKENDS[name]}


def run_corpus(label: str, vectors: np.ndarray, queries: np.ndarray) -> dict:
    exact = make_backend("exact", vectors)
    truth = [set(exact.search(q, K)[0].tolist()) for q in queries]
    rows = [measure(name, vectors, queries, truth) for name in BACKENDS]
    for r in rows:
        print(f"{label:>22} {r['backend']:>10}: build {r['build_s']:7.2f} s  p50 {r['query_ms_p50']:7.3f} ms  "
              f"recall@10 {r['recall_at_10']:.3f}  index {r['index_mb']:6.1f} MiB", flush=True)
    return {"corpus": label, "vectors": len(vectors), "vector_mb": vectors.nbytes / 2**20, "rows": rows}


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    return f"{model}, {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB, load {os.getloadavg()[0]:.1f}"


def versions() -> str:
    return ", ".join(f"{p} {version(p)}" for p in ("faiss-cpu", "qdrant-client", "numpy"))


def markdown(result: dict) -> str:
    """The dated RESULTS.md section for one run."""
    real = result["real"]
    lines = [f"## RAG search backends — {result['date']}", "",
             f"`python benchmarks/rag_index_bench.py` on {result['machine']} (1 thread each; {result['versions']}). "
             f"Handbook: {real['documents']} documents → {real['chunks']} chunks, minilm-embedded in "
             f"{real['kb_build_s']:.1f} s; one question's embedding takes {real['query_embed_ms_p50']:.1f} ms (p50), "
             f"for every backend. {result['queries']} real questions as queries, k = 10. Recall@10 is against exact.",
             "", "| corpus | vectors | backend | build s | query p50 ms | p95 ms | recall@10 | index MiB |",
             "|---|---|---|---|---|---|---|---|"]
    for c in result["corpora"]:
        for r in c["rows"]:
            lines.append(f"| {c['corpus']} | {c['vectors']:,} | {r['backend']} | {r['build_s']:.2f} | "
                         f"{r['query_ms_p50']:.3f} | {r['query_ms_p95']:.3f} | {r['recall_at_10']:.3f} | "
                         f"{r['index_mb']:.1f} |")
    opts = "; ".join(f"{k}: {v}" for k, v in BACKENDS.items() if v)
    lines += ["", f"Settings: {opts}; qdrant = embedded `QdrantClient(':memory:')`. Index memory: exact = the "
              "embedding matrix the knowledge base holds anyway (float32), faiss = its serialized index, qdrant = "
              "Python/numpy allocations of its in-memory collection (tracemalloc).", ""]
    return "\n".join(lines)


def main(argv=None) -> dict:
    args = parse_args(argv)
    if args.quick:
        args.distractors, args.queries = [2_000], 20
    where = {"machine": machine(), "versions": versions()}  # first: a missing package fails before the work
    chunks, queries, real = real_vectors(args.queries)
    corpora = [run_corpus("handbook chunks", chunks, queries)]
    for n in args.distractors:
        corpora.append(run_corpus(f"handbook + {n:,} distractors", with_distractors(chunks, n, args.seed), queries))
    result = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
              **where, "queries": len(queries), "real": real, "corpora": corpora}
    out = HERE / "results" / ("rag_index_quick.json" if args.quick else "rag_index.json")
    out.write_text(json.dumps(result, indent=1))
    if not args.quick:
        with open(HERE / "RESULTS.md", "a") as f:
            f.write("\n" + markdown(result))
    print(markdown(result))
    return result


if __name__ == "__main__":
    main()
