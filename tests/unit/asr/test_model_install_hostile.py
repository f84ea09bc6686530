"""Issue 13 items 4 and 11: interrupted installs recover; links and zip bombs are refused."""

from __future__ import annotations

import os
import shutil
import zipfile
from collections import namedtuple
from pathlib import Path

import pytest

from assist_app.asr import install as install_mod
from assist_app.asr import models
from assist_app.asr.install import InstallError, install_model
from assist_app.asr.models import MANIFEST_NAME, find_model, write_manifest

from .test_model_store import make_model, zip_folder


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No real user/bundled folders: each test gets its own (as in test_model_store)."""
    monkeypatch.setattr(models.resources, "bundled_models_dir", lambda: tmp_path / "app" / "models")
    monkeypatch.setattr(models, "user_models_dir", lambda: _user(tmp_path))
    monkeypatch.setattr(install_mod, "user_models_dir", lambda: _user(tmp_path))
    monkeypatch.delenv(models.ENV_MODEL_DIR, raising=False)
    return tmp_path


def _user(tmp: Path) -> Path:
    return tmp / "user" / "models"


def test_a_kill_between_moving_the_old_model_aside_and_the_new_one_in_is_recovered(isolated_dirs: Path) -> None:
    root = _user(isolated_dirs)
    install_model(make_model(isolated_dirs / "src" / "vosk-model-x"))
    # The state a kill leaves: old one moved aside, new one staged (complete, manifest written).
    (root / "vosk-model-x").rename(root / ".old-vosk-model-x-1700000000")
    staging = root / ".installing-999999999-abcd"
    new = make_model(staging / "vosk-model-x", payload=b"v2")
    write_manifest(new)
    assert find_model() == root / "vosk-model-x"  # the next start puts the newest copy back
    assert (root / "vosk-model-x" / "am" / "final.mdl").read_bytes().startswith(b"v2")
    assert sorted(p.name for p in root.iterdir()) == ["vosk-model-x"]  # nothing hidden left over


def test_when_the_staged_copy_was_incomplete_the_old_model_comes_back(isolated_dirs: Path) -> None:
    root = _user(isolated_dirs)
    install_model(make_model(isolated_dirs / "src" / "vosk-model-x"))
    (root / "vosk-model-x").rename(root / ".old-vosk-model-x-1700000000")
    half = root / ".installing-999999999-abcd" / "vosk-model-x" / "am"
    half.mkdir(parents=True)  # copying was cut short: no manifest, no graph
    assert find_model() == root / "vosk-model-x"
    assert (root / "vosk-model-x" / MANIFEST_NAME).is_file()
    assert sorted(p.name for p in root.iterdir()) == ["vosk-model-x"]


def test_leftover_staging_folders_are_cleaned_but_a_running_install_is_left_alone(isolated_dirs: Path) -> None:
    root = _user(isolated_dirs)
    install_model(make_model(isolated_dirs / "src" / "vosk-model-x"))
    (root / ".installing-999999999-dead" / "unpacked").mkdir(parents=True)
    (root / ".installing-legacy1").mkdir()
    running = root / f".installing-{os.getppid()}-live"
    running.mkdir()
    models.list_candidates(None)
    assert sorted(p.name for p in root.iterdir()) == sorted(["vosk-model-x", running.name])


def test_folder_install_refuses_links_that_leave_the_folder(isolated_dirs: Path) -> None:
    src = make_model(isolated_dirs / "src" / "vosk-model-x")
    secret = isolated_dirs / "secret.txt"
    secret.write_text("root:x:0:0")
    (src / "conf" / "passwd").symlink_to(secret)
    with pytest.raises(InstallError) as err:
        install_model(src)
    assert "指向文件夹以外" in err.value.message_zh
    assert not (_user(isolated_dirs) / "vosk-model-x").exists()


def test_folder_install_refuses_a_link_loop_without_a_traceback(isolated_dirs: Path) -> None:
    src = make_model(isolated_dirs / "src" / "vosk-model-x")
    (src / "loop").symlink_to(src / "loop")
    with pytest.raises(InstallError) as err:
        install_model(src)
    assert "循环" in err.value.message_zh


def test_links_inside_the_folder_are_fine(isolated_dirs: Path) -> None:
    src = make_model(isolated_dirs / "src" / "vosk-model-x")
    (src / "conf" / "alias.conf").symlink_to(src / "conf" / "model.conf")
    assert install_model(src).path.is_dir()


def test_a_zip_bomb_is_refused_before_unpacking(isolated_dirs: Path) -> None:
    src = make_model(isolated_dirs / "src" / "vosk-model-x")
    bomb = zip_folder(src, isolated_dirs / "bomb.zip")
    with zipfile.ZipFile(bomb, "a", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("vosk-model-x/graph/padding.bin", b"\0" * (8 << 20))  # ~8 KB packed, 8 MB out
    with pytest.raises(InstallError) as err:
        install_model(bomb)
    assert "压缩比异常" in err.value.message_zh
    assert not any(_user(isolated_dirs).iterdir())


def test_too_large_totals_and_too_little_space_are_refused(
    isolated_dirs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    z = zip_folder(make_model(isolated_dirs / "src" / "vosk-model-x"), isolated_dirs / "m.zip")
    monkeypatch.setattr(install_mod, "MAX_UNPACKED_BYTES", 10)
    with pytest.raises(InstallError) as err:
        install_model(z)
    assert "超出" in err.value.message_zh
    monkeypatch.setattr(install_mod, "MAX_UNPACKED_BYTES", 8 << 30)
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda _p: usage(10 << 30, 10 << 30, 1 << 20))
    with pytest.raises(InstallError) as err:
        install_model(z)
    assert "磁盘空间不足" in err.value.message_zh
