"""The learned layer's model mechanics: training, files, verification (no shipped data needed)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from assist_app.analysis.learned.features import (
    Features,
    FeatureSpec,
    analysis_units,
    clause_units,
    max_span,
    ngrams,
    spanned_grams,
    unit_blocks,
)
from assist_app.analysis.learned.layer import LearnedLayer, check_folder
from assist_app.analysis.learned.linear import (
    LinearModel,
    ModelFileError,
    NameMemo,
    SparseRows,
    predict_rows,
    train_softmax,
)
from assist_app.textnorm import normalize


def _toy() -> tuple[SparseRows, np.ndarray]:
    # Feature 0 means label 1, feature 1 means label 0, feature 2 is noise on both.
    rows = [([0, 2], [1.0, 1.0]), ([0], [1.0]), ([1, 2], [1.0, 1.0]), ([1], [1.0])] * 5
    return SparseRows.build(rows), np.asarray([1, 1, 0, 0] * 5, dtype=np.int64)


def test_training_separates_classes_and_is_deterministic() -> None:
    x, y = _toy()
    w1, b1 = train_softmax(x, y, 3, 2, iterations=100)
    w2, b2 = train_softmax(x, y, 3, 2, iterations=100)
    assert np.array_equal(w1, w2) and np.array_equal(b1, b2)
    pred = predict_rows(w1, b1, x).argmax(axis=1)
    assert (pred == y).all()
    assert w1[0, 1] > w1[0, 0] and w1[1, 0] > w1[1, 1]


def test_rows_may_be_empty() -> None:
    x = SparseRows.build([([], []), ([0], [1.0])])
    p = predict_rows(np.ones((1, 2), np.float32), np.zeros(2, np.float32), x)
    assert p.shape == (2, 2) and np.allclose(p.sum(axis=1), 1.0)


def _model(task: str = "banned") -> LinearModel:
    return LinearModel.from_names(task, ("ok", "shirk"), ("a", "b"), np.asarray([[0, 1], [1, 0]], np.float32),
                                  np.zeros(2, np.float32), {"threshold": 0.5})


def test_model_file_round_trip_and_errors(tmp_path: Path) -> None:
    path = tmp_path / "banned.npz"
    digest = _model().save(path)
    assert len(digest) == 64
    back = LinearModel.load(path, "banned")
    assert back.labels == ("ok", "shirk") and back.n_features == 2 and back.meta["threshold"] == 0.5
    # Features are found by key after loading: "a" pushes towards shirk, "b" towards ok, "c" is unknown.
    rows = back.lookup(["a", "b", "c"])
    assert rows[2] == -1
    assert back.weights[rows[0]].tolist() == [0.0, 1.0] and back.weights[rows[1]].tolist() == [1.0, 0.0]
    idx, val = back.encode(Features([("", ["a", "c"], 1.0), ("", ["a"], 0.5)]))
    assert idx.tolist() == [rows[0]] and val.tolist() == [1.0]
    with pytest.raises(ModelFileError, match="expected 'emotion'"):
        LinearModel.load(path, "emotion")
    path.write_bytes(b"not a model")
    with pytest.raises(ModelFileError, match="not a readable model"):
        LinearModel.load(path)


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "learned"
    digest = _model().save(folder / "banned.npz")
    manifest = {"version": 1, "models": {"banned": {"file": "banned.npz", "sha256": digest, "labels": ["ok", "shirk"]}}}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def test_folder_is_verified_against_its_manifest(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    assert check_folder(folder) == []
    layer = LearnedLayer.load(folder)
    assert layer.banned is not None and layer.emotion is None
    # A file changed after the manifest was written is refused, with the reason.
    data = bytearray((folder / "banned.npz").read_bytes())
    data[-1] ^= 0xFF
    (folder / "banned.npz").write_bytes(bytes(data))
    assert any("checksum" in p for p in check_folder(folder))
    (folder / "manifest.json").write_text("{", encoding="utf-8")
    assert any("unreadable" in p for p in check_folder(folder))
    assert any("missing" in p for p in check_folder(tmp_path / "nowhere"))


def test_ngrams_mark_turn_boundaries_and_spans() -> None:
    grams = {g: (s, e) for g, s, e in ngrams("喂你好")}
    assert "^喂" in grams and "好$" in grams and "喂你" in grams
    assert grams["你好"] == (1, 3)


def test_sound_grams_survive_a_homophone_the_recogniser_wrote() -> None:
    # "知道" heard as "资道" (zh/z folded) and "解决" as "姐决": the character grams change, the
    # sound grams do not, so a weight learned on the spoken words still applies.
    spec = FeatureSpec(sound_n=3)
    spoken = dict(unit_blocks("我不知道怎么解决", spec=spec).pairs())
    heard = dict(unit_blocks("我不资道怎么姐决", spec=spec).pairs())
    sound = {g for g in spoken if g.startswith("y:")}
    assert sound and sound == {g for g in heard if g.startswith("y:")}
    assert "知道" in spoken and "知道" not in heard
    # Each block is scaled to unit length on its own; a characters-only spec has no sound block.
    assert sum(v * v for g, v in spoken.items() if g.startswith("y:")) == pytest.approx(1.0)
    assert not any(g.startswith("y:") for g, _ in unit_blocks("我不知道", spec=FeatureSpec()).pairs())
    spans = {g: (s, e) for g, s, e in spanned_grams("不知道", spec)}
    assert spans["y:zi-dao"] == (1, 3) and spans["知道"] == (1, 3)


def test_spec_travels_in_the_model_metadata() -> None:
    spec = FeatureSpec(sound_n=2, sound_weight=0.5)
    assert FeatureSpec.from_meta({"feature_spec": spec.to_meta()}) == spec
    assert FeatureSpec.from_meta({}) == FeatureSpec()  # models trained before the sound block


def test_units_follow_the_original_punctuation() -> None:
    norm = normalize("不归我管，你找别人去吧。谢谢")
    assert clause_units(norm) == [(0, 4), (4, 10), (10, 12)]
    units = analysis_units(norm)
    assert units[0] == (0, len(norm.text)) and (0, 10) in units


def test_max_span_takes_the_strongest_run() -> None:
    assert max_span([-1, 2, 3, -10, 1]) == (1, 3)
    assert max_span([-1, -2]) is None


def test_the_same_model_writes_the_same_bytes(tmp_path: Path) -> None:
    assert _model().save(tmp_path / "a.npz") == _model().save(tmp_path / "b.npz")


def test_name_memo_keeps_the_first_names_and_lets_later_ones_go() -> None:
    memo = NameMemo(keep=4, recent=3)
    assert memo.reserve(3)
    memo.table("").update({"的": 1, "我": 2, "你": 3})
    assert memo.reserve(2)  # over ``keep``: these two are the first recent ones
    memo.table("a:").update({"的": 4, "好": 5})
    assert memo.reserve(2)  # over ``keep + recent``: the recent ones go, the first three stay
    assert memo.table("") == {"的": 1, "我": 2, "你": 3} and memo.table("a:") == {}
    memo.table("a:").update({"吗": 6, "呢": 7})
    assert not memo.reserve(4)  # more than ``recent`` at once (a model's vocabulary): not remembered


def test_remembered_rows_give_the_same_scores_as_a_fresh_look_up() -> None:
    names = [f"g{i}" for i in range(40)]
    weights = np.arange(80, dtype=np.float32).reshape(40, 2) / 80
    model = LinearModel.from_names("banned", ("ok", "shirk"), names, weights, np.zeros(2, np.float32))
    examples = [Features([("", [f"g{i}", f"g{i + 1}", "unknown"], 0.5), ("p:", ["g3"], 1.0)]) for i in range(30)]
    model._rows = NameMemo(keep=8, recent=6)  # small, so that remembered rows are let go on the way
    fresh = [LinearModel.from_names("banned", ("ok", "shirk"), names, weights, np.zeros(2, np.float32))
             for _ in examples]
    for _ in range(3):  # cold, warm, and again after the recent names were let go
        for ex, new in zip(examples, fresh, strict=True):
            idx, val = model.encode(ex)
            idx2, val2 = new.encode(ex)
            assert idx.tolist() == idx2.tolist() and val.tolist() == val2.tolist()
        assert np.array_equal(model.proba_many(examples), fresh[0].proba_many(examples))
    idx, _ = model.encode(Features([("", ["g5", "g6"], 1.0)]))
    assert idx.tolist() == sorted(model.lookup(["g5", "g6"]).tolist())
