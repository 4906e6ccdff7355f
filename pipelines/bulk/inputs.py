"""The documents of an `ocrchat convert` input: a folder (recursive), a zip or tar archive, or a
list file (.txt/.lst, one path per line).

Each document is an `InputItem`: its path relative to the input (where its outputs go under the
output folder) and a loader that reads its bytes only when called, so that listing an input of any
size costs its names, not its contents. Folders and archives keep only files with a document
suffix (PDF or an image type); a list file names its documents explicitly, so every line counts.
Archive member names are made safe (no absolute paths, no `..`) before they become output paths.
"""

import tarfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

DOCUMENT_SUFFIXES = frozenset({".pdf", ".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp", ".tif", ".tiff"})
LIST_SUFFIXES = (".txt", ".lst")
ZIP_SUFFIXES = (".zip",)
TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz")


class InputError(ValueError):
    """The input cannot be read as a folder, an archive or a list file."""


@dataclass(frozen=True)
class InputItem:
    relative: PurePosixPath
    load: Callable[[], bytes]


def safe_relative(name: str) -> PurePosixPath | None:
    """An archive member or list entry name as a relative path that stays inside the output
    folder (root, drive, `.` and `..` parts dropped); None when nothing is left."""
    parts = [part for part in name.replace("\\", "/").split("/") if part not in ("", ".", "..")]
    if parts and parts[0].endswith(":"):  # a Windows drive
        parts = parts[1:]
    return PurePosixPath(*parts) if parts else None


def is_document_name(path: PurePosixPath | Path) -> bool:
    return path.suffix.lower() in DOCUMENT_SUFFIXES and not path.name.startswith(".")


@contextmanager
def open_inputs(source: Path, exclude: Path | None = None) -> Iterator[list[InputItem]]:
    """The documents of `source`, in a stable order; archives stay open meanwhile. Files under
    `exclude` (the output folder, when it lies inside an input folder) are left out."""
    name = source.name.lower()
    if source.is_dir():
        yield _folder_items(source, exclude)
    elif not source.is_file():
        raise InputError(f"{source} is neither a folder nor a file.")
    elif name.endswith(ZIP_SUFFIXES):
        with _open_archive(zipfile.ZipFile, source) as archive:
            yield _zip_items(archive)
    elif name.endswith(TAR_SUFFIXES):
        with _open_archive(tarfile.open, source) as archive:
            yield _tar_items(archive)
    elif name.endswith(LIST_SUFFIXES):
        yield _list_items(source)
    else:
        suffixes = ", ".join((*ZIP_SUFFIXES, *TAR_SUFFIXES, *LIST_SUFFIXES))
        raise InputError(f"{source}: expected a folder or a file ending in {suffixes}.")


@contextmanager
def _open_archive(opener: Callable, source: Path) -> Iterator:
    try:
        archive = opener(source)
    except (OSError, zipfile.BadZipFile, tarfile.TarError) as exc:
        raise InputError(f"{source} is not a readable archive: {exc}") from exc
    with archive:
        yield archive


def _folder_items(folder: Path, exclude: Path | None) -> list[InputItem]:
    excluded = exclude.resolve() if exclude is not None else None
    files = sorted(
        path
        for path in folder.rglob("*")
        if path.is_file() and is_document_name(path) and not (excluded and path.resolve().is_relative_to(excluded))
    )
    return [InputItem(PurePosixPath(path.relative_to(folder).as_posix()), path.read_bytes) for path in files]


def _zip_items(archive: zipfile.ZipFile) -> list[InputItem]:
    items = []
    for info in archive.infolist():
        relative = safe_relative(info.filename)
        if not info.is_dir() and relative is not None and is_document_name(relative):
            items.append(InputItem(relative, lambda info=info: archive.read(info)))
    return sorted(items, key=lambda item: str(item.relative))


def _tar_items(archive: tarfile.TarFile) -> list[InputItem]:
    items = []
    for member in archive.getmembers():
        relative = safe_relative(member.name)
        if member.isfile() and relative is not None and is_document_name(relative):
            items.append(InputItem(relative, lambda member=member: _tar_read(archive, member)))
    # Archive order, not sorted: reading a compressed tar out of order decompresses it again.
    return items


def _tar_read(archive: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    stream = archive.extractfile(member)
    if stream is None:
        raise InputError(f"{member.name} is not a regular file.")
    with stream:
        return stream.read()


def _list_items(list_file: Path) -> list[InputItem]:
    """Every non-blank, non-comment (`#`) line; relative paths are relative to the list file.
    An absolute path's outputs go under its path without the root: `/scans/a.pdf` -> `scans/a`."""
    items = []
    for line in list_file.read_text(encoding="utf-8").splitlines():
        entry = line.strip()
        if not entry or entry.startswith("#"):
            continue
        path = Path(entry) if Path(entry).is_absolute() else list_file.parent / entry
        relative = safe_relative(entry)
        if relative is not None:
            items.append(InputItem(relative, path.read_bytes))
    return items
