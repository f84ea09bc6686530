"""Model download against a local HTTP server on 127.0.0.1: success, interrupted transfer with
Range resume, corrupt content, missing file — and the ``model`` commands on top."""

from __future__ import annotations

import argparse
import hashlib
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from assist_app.asr import install as install_mod
from assist_app.asr import models
from assist_app.asr.install import InstallError, download_file, download_model
from assist_app.asr.models import CatalogEntry, FileHash, verify_model
from assist_app.commands import live

from .test_model_store import make_model, zip_folder


class ModelServer:
    """Serves ``files`` (name → bytes); can cut the first transfer of a file short."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.cut_first_after: int | None = None
        self.requests: list[tuple[str, str | None]] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                name = self.path.rsplit("/", 1)[-1]
                rng = self.headers.get("Range")
                outer.requests.append((name, rng))
                data = outer.files.get(name)
                if data is None:
                    self.send_error(404)
                    return
                start = 0
                if rng and rng.startswith("bytes="):
                    start = int(rng[6:].split("-")[0])
                    if start >= len(data):
                        self.send_response(416)
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                else:
                    self.send_response(200)
                body = data[start:]
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if outer.cut_first_after is not None and start == 0:
                    self.wfile.write(body[: outer.cut_first_after])
                    outer.cut_first_after = None
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(2)  # interrupted transfer
                    return
                self.wfile.write(body)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="test-http", daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/vosk/models/"


@pytest.fixture
def server() -> Iterator[ModelServer]:
    srv = ModelServer()
    srv.thread.start()
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()
    srv.thread.join(5)


@pytest.fixture
def user_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    user = tmp_path / "user" / "models"
    monkeypatch.setattr(models, "user_models_dir", lambda: user)
    monkeypatch.setattr(install_mod, "user_models_dir", lambda: user)
    monkeypatch.setattr(models.resources, "bundled_models_dir", lambda: tmp_path / "nobundle")
    monkeypatch.delenv(models.ENV_MODEL_DIR, raising=False)
    return user


def _entry_for(src: Path) -> CatalogEntry:
    files = {
        rel: FileHash(hashlib.sha256((src / rel).read_bytes()).hexdigest(), (src / rel).stat().st_size)
        for rel in ("am/final.mdl", "graph/Gr.fst", "graph/HCLr.fst", "ivector/final.ie")
    }
    return CatalogEntry("small-cn", "vosk-model-small-cn-0.22", "测试模型", 1, files)


def test_download_verifies_and_installs(
    server: ModelServer, user_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = make_model(tmp_path / "src" / "vosk-model-small-cn-0.22", payload=b"x" * 50_000)
    entry = _entry_for(src)
    monkeypatch.setitem(models.CATALOG, "small-cn", entry)  # hashes of our stand-in model
    server.files[entry.zip_name] = zip_folder(src, tmp_path / "z.zip").read_bytes()
    seen: list[int] = []
    res = download_model(entry, base_url=server.base_url, progress=lambda d, t: seen.append(d))
    assert res.path == user_dir / "vosk-model-small-cn-0.22" and res.verified_files == 4
    assert verify_model(res.path).ok
    assert seen and seen[-1] == len(server.files[entry.zip_name])
    assert not (user_dir / ".downloads" / entry.zip_name).exists()


def test_interrupted_transfer_resumes_with_range(server: ModelServer, tmp_path: Path) -> None:
    payload = bytes(range(256)) * 2000
    server.files["big.zip"] = payload
    server.cut_first_after = 100_000
    dest = download_file(server.base_url + "big.zip", tmp_path / "big.zip", retries=2)
    assert dest.read_bytes() == payload
    assert server.requests[0] == ("big.zip", None)
    assert server.requests[1] == ("big.zip", "bytes=100000-")


def test_partial_file_from_an_earlier_run_is_resumed(server: ModelServer, tmp_path: Path) -> None:
    payload = b"abcdefghij" * 10_000
    server.files["m.zip"] = payload
    (tmp_path / "m.zip.part").write_bytes(payload[:40_000])
    dest = download_file(server.base_url + "m.zip", tmp_path / "m.zip")
    assert dest.read_bytes() == payload
    assert server.requests == [("m.zip", "bytes=40000-")]


def test_corrupt_download_is_rejected_and_nothing_installed(
    server: ModelServer, user_dir: Path, tmp_path: Path
) -> None:
    src = make_model(tmp_path / "src" / "vosk-model-small-cn-0.22", payload=b"y" * 1000)
    entry = _entry_for(src)
    (src / "graph" / "Gr.fst").write_bytes(b"not what was published")
    server.files[entry.zip_name] = zip_folder(src, tmp_path / "z.zip").read_bytes()
    with pytest.raises(InstallError) as exc:
        download_model(entry, base_url=server.base_url)
    assert "校验失败" in exc.value.message_zh and "Gr.fst" in exc.value.message_zh
    assert not (user_dir / entry.folder).exists()
    assert not (user_dir / ".downloads" / entry.zip_name).exists()  # not resumed next time


def test_missing_file_on_server(server: ModelServer, tmp_path: Path) -> None:
    with pytest.raises(InstallError) as exc:
        download_file(server.base_url + "nope.zip", tmp_path / "nope.zip")
    assert "404" in exc.value.message_zh


def test_unreachable_server_fails_after_bounded_retries(tmp_path: Path) -> None:
    with pytest.raises(InstallError) as exc:
        download_file("http://127.0.0.1:9/x.zip", tmp_path / "x.zip", retries=1, timeout=2)
    assert "下载失败" in exc.value.message_zh


def _cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    live.register(parser.add_subparsers())
    args = parser.parse_args(argv)
    return int(args.handler(args))


def test_model_download_command_rejects_a_fake_small_cn(
    server: ModelServer,
    user_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The real published hashes: a zip that is not the official model never gets installed."""
    src = make_model(tmp_path / "src" / "vosk-model-small-cn-0.22")
    server.files["vosk-model-small-cn-0.22.zip"] = zip_folder(src, tmp_path / "z.zip").read_bytes()
    monkeypatch.setenv(models.ENV_BASE_URL, server.base_url)
    assert _cli(["model", "download", "small-cn"]) == 1
    err = capsys.readouterr().err
    assert "模型校验失败" in err and "am/final.mdl" in err
    assert server.base_url in err  # the address used is shown
    assert not (user_dir / "vosk-model-small-cn-0.22").exists()
    assert _cli(["model", "list"]) == 0
    assert "没有找到任何模型" in capsys.readouterr().out


def test_model_install_list_verify_commands(
    user_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = make_model(tmp_path / "src" / "vosk-model-kiosk")
    assert _cli(["model", "install", str(zip_folder(src, tmp_path / "k.zip"))]) == 0
    assert "模型已安装" in capsys.readouterr().out
    assert _cli(["model", "list"]) == 0
    out = capsys.readouterr().out
    assert "* 使用中" in out and "vosk-model-kiosk" in out
    assert _cli(["model", "verify"]) == 0
    assert "模型完好" in capsys.readouterr().out
    (user_dir / "vosk-model-kiosk" / "am" / "final.mdl").write_bytes(b"bitrot")
    assert _cli(["model", "verify"]) == 1
    assert "final.mdl" in capsys.readouterr().err
    assert _cli(["model", "install", str(tmp_path / "missing.zip")]) == 1
    assert "找不到" in capsys.readouterr().err
