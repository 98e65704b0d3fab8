"""The template a node runs: resolved, its inputs bound from the caller's arguments and its
``{{...}}`` substituted, as Argo's ``executeTemplate`` and ``ProcessArgs`` do.

Most nodes run one of the workflow's own templates by name, and most of those have no
inputs: what a node's template then becomes depends only on the node's own few values
(``pod.name``, ``node.name``, ``steps.name``...). Such a template is resolved, given its
archive location and compiled once (a :class:`LocalTemplate`); one with no ``{{...}}`` at
all renders to the very same object for every node that runs it.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from tiphys_core.engine.artifacts import (
    bind_input_artifacts,
    input_artifact_values,
    path_values,
    with_archive_location,
)
from tiphys_core.engine.nodes import Node
from tiphys_core.engine.templates import TemplateError, bind_inputs
from tiphys_core.engine.values import workflow_duration
from tiphys_core.spec.template_types import LEAF_TYPES, template_type
from tiphys_core.templating import CompiledStructure, TemplatingError, compile_structure

if TYPE_CHECKING:
    from tiphys_core.engine.runtime import Engine

# Fields of a step or task that are not substituted with it: loops expand first, an
# inline template is substituted as a template, hooks once the node they watch has outputs.
_UNSUBSTITUTED_FIELDS = ("withItems", "withParam", "withSequence", "inline", "hooks")


@dataclass(slots=True)
class LocalTemplate:
    """A template a step, task or entrypoint names (no ``templateRef``, no ``inline``),
    as it resolves in ``context``. ``template`` is shared: copy it before changing a field."""

    context: Mapping[str, Any] | None
    template: dict[str, Any]  # with templateDefaults applied
    plain: bool  # no inputs: every node substitutes the same structure
    compiled: CompiledStructure | None = None  # a plain one's, with its archive location
    path_values: dict[str, str] = field(default_factory=dict)  # a plain one's


class NodeTemplates:
    """The templates of one engine's nodes."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.by_node: dict[str, dict[str, Any]] = {}  # node id -> the template it ran
        self._local: dict[tuple[str, int], LocalTemplate] = {}
        # id(step or task) -> it (which keeps the id from being reused) and its body compiled
        self._bodies: dict[int, tuple[Mapping[str, Any], CompiledStructure]] = {}

    def resolve(
        self, holder: Mapping[str, Any], context: Mapping[str, Any] | None
    ) -> tuple[dict[str, Any], Mapping[str, Any] | None, LocalTemplate | None]:
        """The template ``holder`` runs (not to be changed), the context its own references
        resolve in, and, for a local template named, what is known of it once.

        :raises TemplateError: the template does not exist.
        """
        name = holder.get("template")
        if type(name) is not str or holder.get("inline") is not None or holder.get("templateRef"):
            template, context = self.engine.resolver.resolve(holder, context)
            return template, context, None
        key = (name, id(context))
        local = self._local.get(key)
        if local is None or local.context is not context:
            template, _ = self.engine.resolver.resolve(holder, context)
            local = self._local[key] = LocalTemplate(context, template, not template.get("inputs"))
        return local.template, context, local

    def substitute(
        self,
        node: Node,
        template: dict[str, Any],
        local: LocalTemplate | None,
        arguments: Mapping[str, Any] | None,
        extra: Mapping[str, str],
    ) -> tuple[Mapping[str, str], dict[str, Any]]:
        """The values ``node``'s template sees (a steps or DAG frame's start) and the
        template with its inputs bound and everything it names substituted.

        :raises TemplateError: an input without a value, or a value that does not substitute.
        """
        engine = self.engine
        outer: Mapping[str, str] = ChainMap(dict(extra), engine.global_outputs, engine.globals)
        if local is not None and local.plain:
            compiled = local.compiled or self._compile_plain(local, node)
            values = ChainMap(dict(local.path_values), cast(dict[str, str], outer))
            return values, self._render(compiled, values, node)
        if template.get("inputs"):
            template = dict(template)
            template["inputs"] = inputs_section = dict(
                self._render(self._compile(template["inputs"], node), outer, node)
            )
            inputs = bind_inputs(template, arguments)
            inputs_section["parameters"] = [
                {**param, "value": inputs[f"inputs.parameters.{param['name']}"]}
                for param in inputs_section.get("parameters") or ()
            ]
            if inputs_section.get("artifacts"):
                bound = bind_input_artifacts(template, (arguments or {}).get("artifacts"))
                inputs_section["artifacts"] = bound
                inputs.update(input_artifact_values(bound))
        else:
            inputs = {}
        if template.get("outputs") or template.get("inputs"):
            inputs.update(path_values(template))
        template = self._with_archive_location(template)
        values = ChainMap(inputs, cast(dict[str, str], outer))
        return values, self._render(self._compile(template, node), values, node)

    def compiled_body(self, holder: Mapping[str, Any]) -> CompiledStructure:
        """A step or task, compiled once: without loop fields, inline template and hooks
        (hooks are substituted when they run, once the node they watch has outputs)."""
        key = id(holder)
        cached = self._bodies.get(key)
        if cached is not None and cached[0] is holder:
            return cached[1]
        body = holder
        if any(name in holder for name in _UNSUBSTITUTED_FIELDS):
            body = {k: v for k, v in holder.items() if k not in _UNSUBSTITUTED_FIELDS}
        compiled = compile_structure(body)
        # One without tags is found so again sooner than in a table of every step and task
        # (a 100k-task DAG's would be as large, and rescanned by the garbage collector).
        if compiled.has_tags:
            self._bodies[key] = (holder, compiled)
        return compiled

    def _compile_plain(self, local: LocalTemplate, node: Node) -> CompiledStructure:
        template = local.template
        if template.get("outputs"):
            local.path_values = path_values(template)
        local.compiled = self._compile(self._with_archive_location(template), node)
        return local.compiled

    def _with_archive_location(self, template: dict[str, Any]) -> dict[str, Any]:
        location = self.engine.archive_location
        if location is None or template_type(template) not in LEAF_TYPES:
            return template
        return with_archive_location(template, location, self.engine.spec)

    @staticmethod
    def _compile(template: Any, node: Node) -> CompiledStructure:
        return compile_structure(template, field=f"templates.{node.template_name}")

    def _render(self, compiled: CompiledStructure, values: Mapping[str, str], node: Node) -> Any:
        """``compiled`` rendered for ``node``; the parts without tags are shared, not copied."""
        if not compiled.has_tags:
            return compiled.render(values, share=True)
        engine = self.engine
        root = engine.nodes.get(engine.name)
        started = root.started_at if root is not None and root.started_at else engine.created
        duration = workflow_duration(started, engine.clock())
        local = ChainMap(
            {"pod.name": node.id, "node.name": node.name, "workflow.duration": duration},
            cast(dict[str, str], values),
        )
        try:
            return compiled.render(local, share=True)
        except TemplatingError as err:
            raise TemplateError(str(err).splitlines()[0]) from None
