"""Model store: what counts as a model, discovery order, install (zip/folder), verify."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from assist_app.asr import install as install_mod
from assist_app.asr import models
from assist_app.asr.install import InstallError, install_model
from assist_app.asr.models import (
    CatalogEntry,
    FileHash,
    ModelNotFoundError,
    find_model,
    list_candidates,
    structure_problems,
    verify_model,
)


def make_model(root: Path, *, lookahead: bool = True, payload: bytes = b"model-bytes") -> Path:
    """A folder with the layout of a Vosk model (tiny fake files)."""
    for rel in (
        "am/final.mdl",
        "conf/mfcc.conf",
        "conf/model.conf",
        "ivector/final.ie",
        "ivector/final.dubm",
        "ivector/final.mat",
    ):
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(payload + rel.encode())
    graph = ("graph/HCLr.fst", "graph/Gr.fst") if lookahead else ("graph/HCLG.fst",)
    for rel in graph:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(payload + rel.encode())
    return root


def zip_folder(folder: Path, dest: Path, arc_root: str | None = None) -> Path:
    with zipfile.ZipFile(dest, "w") as zf:
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                zf.write(p, f"{arc_root or folder.name}/{p.relative_to(folder).as_posix()}")
    return dest


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No real user/bundled folders: each test gets its own."""
    bundled = tmp_path / "app" / "models"
    user = tmp_path / "user" / "models"
    monkeypatch.setattr(models.resources, "bundled_models_dir", lambda: bundled)
    monkeypatch.setattr(models, "user_models_dir", lambda: user)
    monkeypatch.setattr(install_mod, "user_models_dir", lambda: user)
    monkeypatch.delenv(models.ENV_MODEL_DIR, raising=False)
    return tmp_path


def test_complete_model_folders_pass(tmp_path: Path) -> None:
    assert structure_problems(make_model(tmp_path / "a")) == []
    assert structure_problems(make_model(tmp_path / "b", lookahead=False)) == []


def test_broken_folders_are_rejected_with_reasons(tmp_path: Path) -> None:
    m = make_model(tmp_path / "m")
    (m / "am" / "final.mdl").unlink()
    (m / "graph" / "Gr.fst").unlink()
    (m / "ivector" / "final.ie").write_bytes(b"")
    probs = structure_problems(m)
    assert any("声学模型" in p and "am/final.mdl" in p for p in probs)
    assert any("解码图" in p for p in probs)
    assert any("空文件" in p and "final.ie" in p for p in probs)
    assert structure_problems(tmp_path / "nowhere") == [f"文件夹不存在：{tmp_path / 'nowhere'}"]


def test_discovery_order_cli_env_bundled_user(isolated_dirs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    user = make_model(isolated_dirs / "user" / "models" / "vosk-model-small-cn-0.22")
    assert find_model() == user
    bundled = make_model(isolated_dirs / "app" / "models" / "vosk-model-small-cn-0.22")
    assert find_model() == bundled
    env = make_model(isolated_dirs / "envmodel")
    monkeypatch.setenv(models.ENV_MODEL_DIR, str(env))
    assert find_model() == env
    cli = make_model(isolated_dirs / "cli")
    assert find_model(cli) == cli
    origins = [c.origin for c in list_candidates(cli)]
    assert origins == ["cli", "env", "bundled", "user"]


def test_unusable_models_are_skipped_but_a_bad_cli_model_is_an_error(isolated_dirs: Path) -> None:
    broken = isolated_dirs / "app" / "models" / "half-copied"
    (broken / "am").mkdir(parents=True)
    good = make_model(isolated_dirs / "user" / "models" / "good")
    assert find_model() == good
    with pytest.raises(ModelNotFoundError) as exc:
        find_model(broken)
    assert "不可用" in exc.value.message_zh and "声学模型" in exc.value.message_zh


def test_no_model_explains_how_to_install(isolated_dirs: Path) -> None:
    with pytest.raises(ModelNotFoundError) as exc:
        find_model()
    msg = exc.value.message_zh
    assert "model install" in msg and "model download small-cn" in msg and "演示模式" in msg


def test_install_from_zip_is_complete_and_verifiable(isolated_dirs: Path) -> None:
    src = make_model(isolated_dirs / "src" / "vosk-model-test")
    z = zip_folder(src, isolated_dirs / "m.zip")
    res = install_model(z)
    assert res.path == isolated_dirs / "user" / "models" / "vosk-model-test"
    assert find_model() == res.path
    assert verify_model(res.path).ok and verify_model(res.path).source == "manifest"
    # Damage after install is noticed by verify.
    (res.path / "graph" / "Gr.fst").write_bytes(b"tampered")
    rep = verify_model(res.path)
    assert not rep.ok and any("Gr.fst" in p for p in rep.problems)
    assert not [p for p in (isolated_dirs / "user" / "models").iterdir() if p.name.startswith(".")]


def test_install_from_folder_and_reinstall_replaces(isolated_dirs: Path) -> None:
    src = make_model(isolated_dirs / "src" / "vosk-model-x")
    first = install_model(src).path
    make_model(src, payload=b"v2")
    second = install_model(src).path
    assert first == second
    assert (second / "am" / "final.mdl").read_bytes().startswith(b"v2")


def test_install_rejects_non_models_corrupt_zips_and_zip_slip(isolated_dirs: Path) -> None:
    dest = isolated_dirs / "user" / "models"
    notmodel = isolated_dirs / "photos"
    notmodel.mkdir()
    (notmodel / "a.jpg").write_bytes(b"x")
    with pytest.raises(InstallError) as exc:
        install_model(notmodel)
    assert "不是可用的语音识别模型" in exc.value.message_zh
    garbage = isolated_dirs / "garbage.zip"
    garbage.write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(InstallError) as exc:
        install_model(garbage)
    assert "不是有效的 zip" in exc.value.message_zh
    good = zip_folder(make_model(isolated_dirs / "src" / "m"), isolated_dirs / "good.zip")
    data = bytearray(good.read_bytes())
    idx = data.find(b"model-bytesam/final.mdl")
    data[idx : idx + 5] = b"XXXXX"  # flip stored bytes: CRC check must catch it
    corrupt = isolated_dirs / "corrupt.zip"
    corrupt.write_bytes(bytes(data))
    with pytest.raises(InstallError) as exc:
        install_model(corrupt)
    assert "损坏" in exc.value.message_zh
    slip = isolated_dirs / "slip.zip"
    with zipfile.ZipFile(slip, "w") as zf:
        zf.writestr("../evil.txt", "x")
    with pytest.raises(InstallError):
        install_model(slip)
    assert not (isolated_dirs / "user" / "evil.txt").exists()
    # Nothing half-installed is left behind, nothing became active.
    assert not dest.exists() or not any(dest.iterdir())
    with pytest.raises(ModelNotFoundError):
        find_model()


def test_known_model_is_checked_against_published_hashes(
    isolated_dirs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = make_model(isolated_dirs / "src" / "vosk-model-small-cn-0.22")
    # The real small-cn hashes: our fake files cannot match them.
    with pytest.raises(InstallError) as exc:
        install_model(src)
    assert "校验失败" in exc.value.message_zh and "am/final.mdl" in exc.value.message_zh
    assert not (isolated_dirs / "user" / "models" / "vosk-model-small-cn-0.22").exists()
    # With a catalog that has the right hashes it installs and verifies against them.
    files = {
        rel: FileHash(hashlib.sha256((src / rel).read_bytes()).hexdigest(), (src / rel).stat().st_size)
        for rel in ("am/final.mdl", "graph/HCLr.fst")
    }
    entry = CatalogEntry("small-cn", "vosk-model-small-cn-0.22", "测试", 1, files)
    monkeypatch.setitem(models.CATALOG, "small-cn", entry)
    res = install_model(src)
    assert res.verified_files == 2
    rep = verify_model(res.path)
    assert rep.ok and rep.source == "catalog" and rep.checked_files == 2
