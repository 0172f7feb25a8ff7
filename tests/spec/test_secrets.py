"""Secrets are read from the run's namespace's folder, never through a link out of the folder,
and the Kubernetes mount layout (`..data` links) works (`app.spec.secrets`)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from app.spec.errors import ArgError
from app.spec.secrets import MAX_SECRET_BYTES, DirectorySecrets, SecretsDir, SecretsLayout

B_VALUE = "namespace-b-only-value-81c2"
OUTSIDE = "outside-the-folder-value-3f0e"


def write(path: Path, value: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(value)


def link(path: Path, target: str | Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(target)


def kubelet_mount(folder: Path, files: dict[str, str]) -> None:
    """A Secret volume as the kubelet writes it: `<folder>/..2026_12_05/key` holds the file,
    `<folder>/..data -> ..2026_12_05`, `<folder>/key -> ..data/key`."""
    for key, value in files.items():
        write(folder / "..2026_12_05" / key, value)
    link(folder / "..data", "..2026_12_05")
    for key in files:
        link(folder / key, f"..data/{key}")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """`a` and `b` hold their own secrets; a file outside the folder holds another value."""
    folder = tmp_path / "secrets"
    write(folder / "a" / "oap" / "password", "a-password")
    write(folder / "b" / "db" / "password", B_VALUE)
    write(tmp_path / "elsewhere" / "password", OUTSIDE)
    return folder


@pytest.mark.parametrize(
    ("layout", "expected"),
    [
        pytest.param("namespaced", "a-password", id="namespaced-reads-the-runs-namespace"),
        pytest.param("flat", "shared-password", id="flat-reads-the-top-level"),
    ],
)
def test_the_layout_decides_the_folder(root: Path, layout: SecretsLayout, expected: str) -> None:
    write(root / "oap" / "password", "shared-password")  # <root>/<secret>/<key>
    assert SecretsDir(root, layout).for_namespace("a").read("oap", "password") == expected


@pytest.mark.parametrize(
    ("name", "key", "message"),
    [
        pytest.param("db", "password", 'secrets "db" not found in namespace "a"', id="other-ns"),
        pytest.param(
            "oap",
            "token",
            "key 'token' does not exist in secret 'oap' of namespace \"a\"",
            id="missing-key",
        ),
        pytest.param("..", "password", 'secrets ".." not found in namespace "a"', id="dot-dot"),
        pytest.param(
            "oap",
            "..",
            "key '..' does not exist in secret 'oap' of namespace \"a\"",
            id="dot-dot-key",
        ),
    ],
)
def test_a_run_reads_only_its_namespace(root: Path, name: str, key: str, message: str) -> None:
    with pytest.raises(ArgError) as caught:
        SecretsDir(root).for_namespace("a").read(name, key)
    assert caught.value.message == message
    assert B_VALUE not in str(caught.value)


@pytest.mark.parametrize(
    ("plant", "name", "key", "message"),
    [
        pytest.param(
            lambda r: link(r / "a" / "oap" / "stolen", r.parent / "elsewhere" / "password"),
            "oap",
            "stolen",
            "key 'stolen' of secret 'oap' of namespace \"a\" is a link out of the secrets "
            "folder; refused",
            id="key-to-an-absolute-path",
        ),
        pytest.param(
            lambda r: link(r / "a" / "oap" / "stolen", "../../b/db/password"),
            "oap",
            "stolen",
            "key 'stolen' of secret 'oap' of namespace \"a\" is a link out of the secrets "
            "folder; refused",
            id="key-to-another-namespace",
        ),
        pytest.param(
            lambda r: link(r / "a" / "db", "../b/db"),
            "db",
            "password",
            "secret 'db' of namespace \"a\" is a link out of the secrets folder; refused",
            id="secret-to-another-namespace",
        ),
        pytest.param(
            lambda r: link(r / "a" / "stolen", r.parent / "elsewhere"),
            "stolen",
            "password",
            "secret 'stolen' of namespace \"a\" is a link out of the secrets folder; refused",
            id="secret-to-outside",
        ),
        pytest.param(
            lambda r: link(r / "c", r.parent / "elsewhere"),
            "x",
            "password",
            'the folder of namespace "c" is a link out of the secrets folder; refused',
            id="namespace-to-outside",
        ),
    ],
)
def test_a_link_out_of_the_folder_is_refused(
    root: Path, plant: Callable[[Path], None], name: str, key: str, message: str
) -> None:
    plant(root)
    namespace = "c" if message.startswith("the folder") else "a"
    with pytest.raises(ArgError) as caught:
        SecretsDir(root).for_namespace(namespace).read(name, key)
    assert caught.value.message == message
    assert OUTSIDE not in str(caught.value)
    assert B_VALUE not in str(caught.value)


def test_a_link_out_is_refused_in_the_flat_layout_too(root: Path) -> None:
    link(root / "stolen" / "password", root.parent / "elsewhere" / "password")
    with pytest.raises(ArgError) as caught:
        DirectorySecrets(root).read("stolen", "password")
    assert caught.value.message == (
        "key 'password' of secret 'stolen' is a link out of the secrets folder; refused"
    )


@pytest.mark.parametrize("layout", ["namespaced", "flat"])
def test_the_kubernetes_mount_layout_works(tmp_path: Path, layout: SecretsLayout) -> None:
    root = tmp_path / "secrets"
    folder = root / "bookinfo" / "oap" if layout == "namespaced" else root / "oap"
    kubelet_mount(folder, {"password": "mounted-password", "user": "augur"})
    assert os.readlink(folder / "password") == "..data/password"
    source = SecretsDir(root, layout).for_namespace("bookinfo")
    assert source.read("oap", "password") == "mounted-password"
    assert source.read("oap", "user") == "augur"
    with pytest.raises(ArgError, match="key '..data' does not exist"):
        source.read("oap", "..data")  # the kubelet's folder is not a key


def test_one_projected_volume_for_every_namespace_works(tmp_path: Path) -> None:
    """A projected volume with items `bookinfo/oap/password`: the kubelet links the top-level
    entry, `<root>/bookinfo -> ..data/bookinfo`."""
    root = tmp_path / "secrets"
    write(root / "..2026_12_05" / "bookinfo" / "oap" / "password", "projected-password")
    link(root / "..data", "..2026_12_05")
    link(root / "bookinfo", "..data/bookinfo")
    assert SecretsDir(root).for_namespace("bookinfo").read("oap", "password") == (
        "projected-password"
    )


def test_a_file_larger_than_a_secret_can_be_is_refused(tmp_path: Path) -> None:
    write(tmp_path / "big" / "blob", "x" * (MAX_SECRET_BYTES + 1))
    with pytest.raises(ArgError) as caught:
        DirectorySecrets(tmp_path).read("big", "blob")
    assert caught.value.message == "key 'blob' of secret 'big' is over 1 MiB"


def test_every_value_read_is_handed_to_on_read(root: Path) -> None:
    seen: list[str] = []
    SecretsDir(root, on_read=seen.append).for_namespace("a").read("oap", "password")
    assert seen == ["a-password"]
