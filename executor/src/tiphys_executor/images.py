"""What a container's image would run when the template gives no ``command``, and where.

Locally there is no image to read an ENTRYPOINT/CMD/WORKDIR from, so a small table
records them for the images Argo's examples use. The argv is then built as Docker and
Kubernetes build it: ``command`` replaces the ENTRYPOINT and ``args`` replace the CMD;
an image without an ENTRYPOINT runs its ``args`` (or CMD) as the command.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class ImageEntrypoint:
    """An image's ENTRYPOINT and CMD, with host commands standing in for its files.

    :param aliases: ``(path in the image, host command)`` pairs for absolute paths the
        image provides (``/argosay`` → ``argosay``).
    :param base: a base image whose CMD is only a shell or interpreter: running it
        without a command is a mistake worth reporting.
    :param workdir: the image's WORKDIR, where a container without ``workingDir``
        starts (``/`` unless the image sets one).
    """

    entrypoint: tuple[str, ...] = ()
    cmd: tuple[str, ...] = ()
    aliases: tuple[tuple[str, str], ...] = ()
    base: bool = False
    workdir: str = "/"


class EntrypointError(ValueError):
    """The template gives no command and tiphys cannot tell what the image would run."""


@functools.lru_cache(maxsize=1)
def _table() -> Mapping[str, ImageEntrypoint]:
    # Built once, read-only (no module-level mutable state). Facts from the images' Dockerfiles
    # (argosay: argo-workflows test/e2e/images/argosay/v1 and v2; golang sets
    # WORKDIR $GOPATH, /go; the others set none).
    argosay_v2 = ImageEntrypoint(entrypoint=("argosay",), aliases=(("/argosay", "argosay"),))
    shell = ImageEntrypoint(cmd=("/bin/sh",), base=True)
    return MappingProxyType({
        "argoproj/argosay:v2": argosay_v2,
        "argoproj/argosay": argosay_v2,
        # v1 is Ubuntu with cowsay and no ENTRYPOINT: args run as the command.
        "argoproj/argosay:v1": ImageEntrypoint(
            cmd=("cowsay",), aliases=(("/usr/games/cowsay", "cowsay"),)
        ),
        "docker/whalesay": ImageEntrypoint(
            entrypoint=("cowsay",), aliases=(("/usr/local/bin/cowsay", "cowsay"),)
        ),
        "alpine": shell,
        "busybox": shell,
        "ubuntu": ImageEntrypoint(cmd=("/bin/bash",), base=True),
        "debian": ImageEntrypoint(cmd=("bash",), base=True),
        "python": ImageEntrypoint(cmd=("python3",), base=True),
        "node": ImageEntrypoint(cmd=("node",), base=True),
        "golang": ImageEntrypoint(cmd=("bash",), base=True, workdir="/go"),
        # Daemon images of Argo's examples: the server in the foreground.
        "nginx": ImageEntrypoint(entrypoint=("nginx", "-g", "daemon off;")),
        "influxdb": ImageEntrypoint(cmd=("influxd",)),
    })  # fmt: skip


def image_repository(image: str) -> tuple[str, str]:
    """``(repository, tag)`` with Docker Hub's implicit prefixes removed.

    ``docker.io/library/alpine:3.23`` → ``("alpine", "3.23")``; a digest is ignored.
    """
    name = image.strip().split("@", 1)[0]
    tag = ""
    slash = name.rfind("/")
    colon = name.rfind(":")
    if colon > slash:
        name, tag = name[:colon], name[colon + 1 :]
    for prefix in ("docker.io/", "index.docker.io/", "registry-1.docker.io/"):
        if name.startswith(prefix):
            name = name[len(prefix) :]
    name = name.removeprefix("library/")
    return name, tag


def lookup_image(image: str) -> ImageEntrypoint | None:
    """The table's entry for ``image`` (by ``repository:tag``, then repository), or None."""
    table = _table()
    repository, tag = image_repository(image)
    if tag and f"{repository}:{tag}" in table:
        return table[f"{repository}:{tag}"]
    return table.get(repository)


def image_workdir(image: str) -> str:
    """The WORKDIR of ``image`` from the table; ``/`` for an image it does not know."""
    known = lookup_image(image)
    return known.workdir if known is not None else "/"


def resolve_argv(image: str, command: Sequence[str], args: Sequence[str]) -> list[str]:
    """The argv a container runs, as Docker builds it from the image and the template.

    :raises EntrypointError: no ``command`` and the image's ENTRYPOINT/CMD are not known,
        or the image would only start its default shell or interpreter.
    """
    known = lookup_image(image)
    if command:
        argv = [*command, *args]
    elif known is None:
        raise EntrypointError(
            f"template has no command and tiphys does not know what image {image!r} runs "
            "by default; add a `command` to the container"
        )
    elif known.entrypoint:
        argv = [*known.entrypoint, *(args if args else known.cmd)]
    elif args:
        argv = list(args)
    elif not known.base:
        argv = list(known.cmd)
    else:
        raise EntrypointError(
            f"template has no command or args and image {image!r} would only start "
            f"{' '.join(known.cmd)!s}; add a `command` to the container"
        )
    aliases = dict(known.aliases) if known is not None else {}
    if argv[0] in aliases and not os.path.exists(argv[0]):
        argv[0] = aliases[argv[0]]
    return argv
