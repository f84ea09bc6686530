"""Multinomial logistic regression over sparse binary features, in numpy.

Small enough to train on a seat (``assist-app learn``): tens of thousands of examples train in
seconds with full-batch Adam, deterministically (no random initialisation, fixed iteration
count, fixed summation order). A model is one ``.npz`` file: labels, the feature vocabulary in
index order (names, for people reading the file, and their 64-bit BLAKE2b keys), the weight
matrix, the bias and a JSON metadata string; it loads with ``allow_pickle=False``.

A loaded model holds no feature names: features are found by key in one sorted ``int64`` array
(``searchsorted``), which takes 8 bytes a feature where a dict of names took about 150. An
example's features come in blocks that share a prefix (``features.Features``); each model
remembers the rows of the first names it met (mostly the common n-grams) and, for a while, of
recent ones, so most of an utterance needs neither hashing nor searching (``NameMemo``).
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from assist_app.analysis.learned.features import Features

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]

FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)  # version 1 files carry names only; their keys are computed at load


class ModelFileError(ValueError):
    """A model file is missing, unreadable or not a model of the expected kind."""


@dataclass(frozen=True, slots=True)
class SparseRows:
    """Rows of a sparse matrix in CSR form (row pointers, column indices, values)."""

    ptr: IntArray
    cols: IntArray
    vals: FloatArray

    @property
    def n_rows(self) -> int:
        return len(self.ptr) - 1

    @classmethod
    def build(cls, rows: Sequence[tuple[Sequence[int], Sequence[float]]]) -> SparseRows:
        ptr = np.zeros(len(rows) + 1, dtype=np.int64)
        for i, (cols, _) in enumerate(rows):
            ptr[i + 1] = ptr[i] + len(cols)
        cols_all = np.fromiter((c for cs, _ in rows for c in cs), dtype=np.int64, count=int(ptr[-1]))
        vals_all = np.fromiter((v for _, vs in rows for v in vs), dtype=np.float32, count=int(ptr[-1]))
        return cls(ptr, cols_all, vals_all)


class NameMemo:
    """Ints remembered per (prefix, name), a dict per prefix (an example's blocks are looked up
    without building "prefix + name"). The first ``keep`` names stay for good: they are mostly the
    common n-grams (a name first seen late is usually a rare one, and starting afresh would drop
    the common ones). Up to ``recent`` more are kept for a while, then dropped together: an
    utterance's clauses, and its three models, share most of its names."""

    __slots__ = ("_count", "_keep", "_kept", "_recent", "tables")

    def __init__(self, keep: int, recent: int) -> None:
        self.tables: dict[str, dict[str, int]] = {}
        self._keep, self._recent = keep, recent
        self._count = 0
        self._kept: dict[str, int] | None = None  # per prefix, how many names stay for good

    def table(self, prefix: str) -> dict[str, int]:
        table = self.tables.get(prefix)
        if table is None:
            table = self.tables[prefix] = {}
        return table

    def reserve(self, n: int) -> bool:
        """Room for ``n`` more names, which the caller then adds; False: don't remember them."""
        if n > self._recent:
            return False
        if self._kept is None and self._count + n > self._keep:
            # Snapshots of ``tables``: another thread (the second pass) may add a prefix meanwhile.
            self._kept = {prefix: len(table) for prefix, table in list(self.tables.items())}
            self._keep = self._count
        if self._kept is not None and self._count + n > self._keep + self._recent:
            for prefix, table in list(self.tables.items()):
                kept = self._kept.get(prefix, 0)
                while len(table) > kept:  # the latest first: the kept ones were added before them
                    try:
                        table.popitem()
                    except KeyError:  # emptied by another thread meanwhile
                        break
            self._count = self._keep
        self._count += n
        return True

    def find(self, blocks: Sequence[tuple[str, Sequence[str]]],
             compute: Callable[[list[tuple[str, list[str]]]], list[int]]) -> IntArray:
        """The int of every name of every (prefix, names) block, in order. The names not remembered
        are passed to ``compute`` together, block by block, and remembered while there is room."""
        found: list[int | None] = []
        for prefix, names in blocks:
            found += map(self.table(prefix).get, names)
        try:
            return np.array(found, dtype=np.int64)
        except TypeError:  # a None: a name not met lately
            pass
        missing: list[list[int]] = []  # per block, positions in ``found``
        wanted: list[tuple[str, list[str]]] = []
        at = 0
        for prefix, names in blocks:
            miss = [i for i in range(len(names)) if found[at + i] is None]
            missing.append([at + i for i in miss])
            wanted.append((prefix, [names[i] for i in miss]))
            at += len(names)
        values = iter(compute(wanted))
        remember = self.reserve(sum(map(len, missing)))
        for (prefix, names), miss in zip(wanted, missing, strict=True):
            table = self.table(prefix)
            for i, name in zip(miss, names, strict=True):
                found[i] = value = next(values)
                if remember:
                    table[name] = value
        return np.array(found, dtype=np.int64)


# Sizes by measurement (bench: the training corpus and dev/heldout calls analysed twice): larger
# memos (64k keys, 32k rows a model) were no faster on varied text, 5 % faster on one call
# repeated, and held 28 MB where these hold under 4.
_KEYS = NameMemo(keep=0, recent=1 << 12)  # keys: only for a while (an utterance's models share them)
ROW_MEMO = (1 << 12, 1 << 10)  # per model: the rows of the first 4,096 names for good, 1,024 more for a while


def _blake_key(name: str) -> int:
    return int.from_bytes(hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest(), "little", signed=True)


def _key_array(blocks: Sequence[tuple[str, Sequence[str]]]) -> IntArray:
    """The keys of ``prefix + name`` for every name of every (prefix, names) block, in order."""
    return _KEYS.find(blocks, lambda wanted: [_blake_key(prefix + n) for prefix, names in wanted for n in names])


def feature_key(name: str) -> int:
    """A feature name's stable 64-bit key (BLAKE2b; Python's own ``hash`` changes per process)."""
    return int(_key_array((("", (name,)),))[0])


def feature_keys(names: Sequence[str]) -> IntArray:
    return _key_array((("", names),))


@dataclass(slots=True)
class LinearModel:
    """``softmax(x @ weights + bias)`` over keyed features and named labels.

    ``keys`` is sorted and ``weights`` row ``i`` belongs to ``keys[i]``; ``names`` (same order) is
    kept only for a freshly trained model, to be written into its file."""

    task: str
    labels: tuple[str, ...]
    keys: IntArray  # (n_features,) sorted, unique
    weights: FloatArray  # (n_features, n_labels)
    bias: FloatArray  # (n_labels,)
    meta: dict[str, Any] = field(default_factory=dict)
    names: tuple[str, ...] = ()
    index_of_label: dict[str, int] = field(init=False, repr=False)
    # prefix -> name -> weight row (-1: unknown): most of an utterance's n-grams are common ones,
    # found here without hashing or searching.
    _rows: NameMemo = field(init=False, repr=False, default_factory=lambda: NameMemo(*ROW_MEMO))

    def __post_init__(self) -> None:
        self.index_of_label = {lab: i for i, lab in enumerate(self.labels)}

    @classmethod
    def from_names(
        cls, task: str, labels: Sequence[str], names: Sequence[str], weights: FloatArray, bias: FloatArray,
        meta: dict[str, Any] | None = None, *, keep_names: bool = True,
    ) -> LinearModel:
        """A model over named features (rows of ``weights`` in ``names`` order), sorted by key."""
        keys = feature_keys(names)
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        if len(keys) > 1 and bool((keys[1:] == keys[:-1]).any()):
            raise ModelFileError("two feature names share a 64-bit key")
        return cls(
            task=task,
            labels=tuple(labels),
            keys=keys,
            weights=np.ascontiguousarray(weights[order], dtype=np.float32),
            bias=np.asarray(bias, dtype=np.float32),
            meta=dict(meta or {}),
            names=tuple(names[i] for i in order.tolist()) if keep_names else (),
        )

    @property
    def n_features(self) -> int:
        return len(self.keys)

    # -- inference -----------------------------------------------------------------------------

    def lookup(self, names: Sequence[str]) -> IntArray:
        """The weight row of each name, or -1 for a name the model does not know."""
        return self.rows_of(feature_keys(names))

    def rows_of(self, wanted: IntArray) -> IntArray:
        """The weight row of each key, or -1 for a key the model does not know."""
        if not len(wanted):
            return np.zeros(0, dtype=np.int64)
        # Searched in key order: each search starts where the last one ended, half the time of
        # searching them as they come.
        order = np.argsort(wanted)
        pos = np.empty(len(wanted), dtype=np.int64)
        pos[order] = np.searchsorted(self.keys, wanted[order])
        pos[pos >= len(self.keys)] = 0
        found = self.keys[pos] == wanted if len(self.keys) else np.zeros(len(wanted), dtype=bool)
        out: IntArray = np.where(found, pos, -1)
        return out

    def feature_rows(self, feats: Features) -> tuple[IntArray, FloatArray]:
        """Each feature's weight row (-1: unknown to the model) and value, in the example's order."""
        blocks = feats.blocks
        counts = [len(names) for _, names, _ in blocks]
        vals = np.repeat(np.asarray([v for _, _, v in blocks], dtype=np.float32), counts)
        rows = self._rows.find([(prefix, names) for prefix, names, _ in blocks],
                               lambda wanted: self.rows_of(_key_array(wanted)).tolist())
        return rows, vals

    def encode(self, feats: Features) -> tuple[IntArray, FloatArray]:
        """Known features of one example as (indices, values) in index order; unknown names are
        ignored, and a repeated name counts once (its first value)."""
        rows, vals = self.feature_rows(feats)
        known = rows >= 0
        rows, vals = rows[known], vals[known]
        if len(rows) > 1:
            order = np.argsort(rows, kind="stable")
            rows, vals = rows[order], vals[order]
            first = np.ones(len(rows), dtype=bool)
            np.not_equal(rows[1:], rows[:-1], out=first[1:])
            if not first.all():
                rows, vals = rows[first], vals[first]
        return rows, vals

    def proba_many(self, examples: Sequence[Features]) -> FloatArray:
        """Class probabilities of several examples in one look-up, shape (examples, labels). No
        example may repeat a feature (``Features`` never does)."""
        arrays = [self.feature_rows(ex) for ex in examples]
        rows = np.concatenate([r for r, _ in arrays]) if arrays else np.zeros(0, dtype=np.int64)
        vals = np.concatenate([v for _, v in arrays]) if arrays else np.zeros(0, dtype=np.float32)
        known = rows >= 0
        owner = np.repeat(np.arange(len(examples)), [len(r) for r, _ in arrays])
        # Known features per example, in order: the row pointers of a sparse matrix.
        ptr = np.zeros(len(examples) + 1, dtype=np.int64)
        np.cumsum(np.bincount(owner[known], minlength=len(examples)), out=ptr[1:])
        contrib = self.weights[rows[known]] * vals[known, None]
        return _softmax(_row_sums(contrib, ptr, len(examples), len(self.labels)) + self.bias)

    def scores(self, idx: IntArray, val: FloatArray) -> FloatArray:
        """Class logits of one encoded example."""
        out: FloatArray = self.bias.copy()
        if len(idx):
            out += val @ self.weights[idx]
        return out

    def proba(self, idx: IntArray, val: FloatArray) -> FloatArray:
        out: FloatArray = _softmax(self.scores(idx, val)[None, :])[0]
        return out

    def contributions(self, idx: IntArray, val: FloatArray, label: int, against: int | None = None) -> FloatArray:
        """Each present feature's push towards ``label`` (minus its push towards ``against``)."""
        w = self.weights[idx, label]
        if against is not None:
            w = w - self.weights[idx, against]
        out: FloatArray = (val * w).astype(np.float32)
        return out

    # -- files ---------------------------------------------------------------------------------

    def save(self, path: Path) -> str:
        """Write the model; returns the file's SHA-256."""
        if len(self.names) != self.n_features:
            raise ValueError("only a model that still has its feature names can be saved")
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        arrays = {
            "format_version": np.asarray(FORMAT_VERSION),
            "task": np.asarray(self.task),
            "labels": np.asarray(self.labels),
            "features": np.asarray(self.names),
            "feature_keys": self.keys.astype(np.int64),
            "weights": self.weights.astype(np.float32),
            "bias": self.bias.astype(np.float32),
            "meta": np.asarray(json.dumps(self.meta, ensure_ascii=False, sort_keys=True)),
        }
        # An .npz written entry by entry with a fixed timestamp: the same model, the same bytes.
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for name, arr in arrays.items():
                buf = io.BytesIO()
                np.lib.format.write_array(buf, arr, allow_pickle=False)
                info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, buf.getvalue())
        tmp.replace(path)
        return sha256_file(path)

    @classmethod
    def load(cls, path: Path, task: str | None = None) -> LinearModel:
        try:
            with np.load(path, allow_pickle=False) as data:
                version = int(data["format_version"])
                if version not in READABLE_VERSIONS:
                    raise ModelFileError(f"{path.name}: format version {version}, expected {FORMAT_VERSION}")
                labels = tuple(str(x) for x in data["labels"])
                weights = np.asarray(data["weights"], dtype=np.float32)
                bias = np.asarray(data["bias"], dtype=np.float32)
                meta = json.loads(str(data["meta"]))
                if version == 1:
                    names = [str(x) for x in data["features"]]
                    if weights.shape[0] != len(names):
                        raise ModelFileError(f"{path.name}: weight shapes do not match its labels and features")
                    model = cls.from_names(str(data["task"]), labels, names, weights, bias, meta, keep_names=False)
                else:
                    keys = np.asarray(data["feature_keys"], dtype=np.int64)
                    if len(keys) > 1 and not bool((keys[1:] > keys[:-1]).all()):
                        raise ModelFileError(f"{path.name}: feature keys are not sorted and unique")
                    model = cls(str(data["task"]), labels, keys, weights, bias, meta)
        except ModelFileError:
            raise
        except (OSError, KeyError, ValueError, json.JSONDecodeError) as exc:
            raise ModelFileError(f"{path.name}: not a readable model file ({exc})") from exc
        if task is not None and model.task != task:
            raise ModelFileError(f"{path.name}: a {model.task!r} model, expected {task!r}")
        if model.weights.shape != (model.n_features, len(model.labels)) or model.bias.shape != (len(model.labels),):
            raise ModelFileError(f"{path.name}: weight shapes do not match its labels and features")
        return model


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _softmax(z: FloatArray) -> FloatArray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    out: FloatArray = (e / e.sum(axis=1, keepdims=True)).astype(np.float32)
    return out


def train_softmax(
    x: SparseRows,
    y: IntArray,
    n_features: int,
    n_labels: int,
    *,
    sample_weight: FloatArray | None = None,
    l2: float = 1e-4,
    iterations: int = 300,
    learning_rate: float = 0.05,
) -> tuple[FloatArray, FloatArray]:
    """Fit weights and bias by full-batch Adam on the weighted cross-entropy plus L2.

    Deterministic: zero initialisation, fixed iteration count, numpy reductions in a fixed order.
    """
    n = x.n_rows
    rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(x.ptr))
    sw = np.ones(n, dtype=np.float32) if sample_weight is None else sample_weight.astype(np.float32)
    sw = sw / sw.sum()
    onehot = np.zeros((n, n_labels), dtype=np.float32)
    onehot[np.arange(n), y] = 1.0
    w = np.zeros((n_features, n_labels), dtype=np.float32)
    b = np.zeros(n_labels, dtype=np.float32)
    mw, vw = np.zeros_like(w), np.zeros_like(w)
    mb, vb = np.zeros_like(b), np.zeros_like(b)
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    for step in range(1, iterations + 1):
        contrib = w[x.cols] * x.vals[:, None]
        logits = _row_sums(contrib, x.ptr, n, n_labels) + b
        p = _softmax(logits)
        g = (p - onehot) * sw[:, None]  # (n, k)
        gb = g.sum(axis=0)
        gw = np.empty_like(w)
        weights_nz = g[rows] * x.vals[:, None]
        for k in range(n_labels):
            gw[:, k] = np.bincount(x.cols, weights=weights_nz[:, k], minlength=n_features)
        gw += l2 * w
        mw = beta1 * mw + (1 - beta1) * gw
        vw = beta2 * vw + (1 - beta2) * gw * gw
        mb = beta1 * mb + (1 - beta1) * gb
        vb = beta2 * vb + (1 - beta2) * gb * gb
        corr1, corr2 = 1 - beta1**step, 1 - beta2**step
        w -= (learning_rate * (mw / corr1) / (np.sqrt(vw / corr2) + eps)).astype(np.float32)
        b -= (learning_rate * (mb / corr1) / (np.sqrt(vb / corr2) + eps)).astype(np.float32)
    return w, b


def _row_sums(contrib: FloatArray, ptr: IntArray, n: int, k: int) -> FloatArray:
    """Sum ``contrib`` over each row's segment (rows may be empty)."""
    out = np.zeros((n, k), dtype=np.float32)
    nonempty = np.diff(ptr) > 0
    if contrib.shape[0]:
        starts = ptr[:-1][nonempty]
        out[nonempty] = np.add.reduceat(contrib, starts, axis=0)
    return out


def predict_rows(weights: FloatArray, bias: FloatArray, x: SparseRows) -> FloatArray:
    """Class probabilities for every row of ``x``."""
    contrib = weights[x.cols] * x.vals[:, None]
    return _softmax(_row_sums(contrib, x.ptr, x.n_rows, len(bias)) + bias)
