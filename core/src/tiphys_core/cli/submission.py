"""Submitting documents as ``tiphys submit`` does: lint them, store the templates among
them, and prepare the workflow to create. The embedded CLI and the standing controller
share it, so both report the same problems in the same words."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from tiphys_core.cli.common import parse_parameters, read_text

if TYPE_CHECKING:
    from tiphys_core.spec.loader import Loaded
    from tiphys_core.store import Store, WorkflowRecord
    from tiphys_core.validate.context import Catalog


class TextSink(Protocol):
    """Where messages go: ``sys.stderr``, or a standing controller's client."""

    def write(self, text: str, /) -> int: ...


@dataclass
class SubmitFlags:
    """``tiphys submit``'s flags about what to submit.

    :param read_parameter_file: reads the ``--parameter-file`` (a client sends its text).
    """

    file: str
    parameters: list[str] = field(default_factory=list)
    parameter_file: str | None = None
    entrypoint: str | None = None
    generate_name: str | None = None
    name: str | None = None
    read_parameter_file: Callable[[str], str] = read_text


def prepare_workflow(
    loaded: Loaded, flags: SubmitFlags, store: Store, err: TextSink
) -> WorkflowRecord | int:
    """The workflow record to create from ``loaded``, or the exit status after saying on
    ``err`` why nothing is submitted. WorkflowTemplates among the documents are stored."""
    from tiphys_core.controller import SubmitOptions, prepare_submission
    from tiphys_core.controller.submit import SubmitError
    from tiphys_core.store import WorkflowRecord
    from tiphys_core.validate import lint_documents

    report = lint_documents(loaded.documents, catalog=catalog(store))
    problems = [*loaded.diagnostics, *report.diagnostics]
    for diagnostic in problems:
        if diagnostic.is_error:
            err.write(f"{diagnostic}\n")
    if any(d.is_error for d in problems) or not loaded.documents:
        return _fail(
            err,
            "not submitted: fix the errors above" if problems else f"no documents in {flags.file}",
        )
    runnable = []
    for document in loaded.documents:
        if document.kind in ("WorkflowTemplate", "ClusterWorkflowTemplate"):
            store.put_template(document.kind, document.name, document.data)
        if document.kind == "Workflow":
            runnable.append(document)
    if not runnable:
        runnable = [d for d in loaded.documents if d.kind == "WorkflowTemplate"][:1]
    if not runnable:
        return _fail(err, f"{flags.file} has no Workflow to submit")
    try:
        options = SubmitOptions(
            parameters=parse_parameters(
                flags.parameters, flags.parameter_file, read=flags.read_parameter_file
            ),
            entrypoint=flags.entrypoint, generate_name=flags.generate_name, name=flags.name,
        )  # fmt: skip
        name, uid, workflow = prepare_submission(runnable[0].data, options, store.name_taken)
    except (SubmitError, ValueError) as error:
        return _fail(err, str(error))
    return WorkflowRecord(
        uid=uid,
        name=name,
        namespace=workflow["metadata"]["namespace"],
        phase="Pending",
        created=time.time(),
        document=workflow,
    )


def catalog(store: Store) -> Catalog:
    """The stored WorkflowTemplates and ClusterWorkflowTemplates, for ``templateRef`` checks."""
    from tiphys_core.validate.context import Catalog

    found = Catalog()
    for kind in ("WorkflowTemplate", "ClusterWorkflowTemplate"):
        for name in store.list_templates(kind):
            document = store.get_template(kind, name)
            if document:
                found.add(document)
    return found


def load_sources(sources: list[dict[str, Any]]) -> Loaded:
    """Documents from the files a client read (see :func:`tiphys_core.client.read_sources`),
    reported as :func:`~tiphys_core.spec.loader.load_paths` reports files it reads itself."""
    from tiphys_core.spec.diagnostics import Diagnostic
    from tiphys_core.spec.loader import Loaded, load_text

    loaded = Loaded()
    for source in sources:
        name = str(source.get("name", "<stdin>"))
        if "text" in source:
            loaded.extend(load_text(str(source["text"]), name))
        elif source.get("missing"):
            loaded.diagnostics.append(Diagnostic("no such file or directory", file=name))
        else:
            problem = source.get("error", "unreadable")
            loaded.diagnostics.append(Diagnostic(f"cannot read file: {problem}", file=name))
    return loaded


def _fail(err: TextSink, message: str) -> int:
    err.write(f"tiphys: {message}\n")
    return 1
