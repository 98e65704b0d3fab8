"""``{{...}}`` substitution over texts and whole template structures, as Argo does it.

Tags are found the way Argo's fasttemplate finds them: each ``{{`` pairs with
the first ``}}`` after it; a ``{{`` with no ``}}`` is an error. A tag starting
with ``=`` is an expression (:mod:`.expression_tags`); any other tag is a
*simple* tag: its text, trimmed of spaces, is looked up as a whole in the flat
value map (``inputs.parameters.x``, ``steps.gen.outputs.result``, ``item``,
``workflow.creationTimestamp.Y``). Values are inserted as plain strings, so
quotes and newlines in them never break the surrounding document.

When a simple tag is missing but ends in an inner tag (``{{steps.{{item}}.x}}``
reads as tag ``steps.{{item``), the inner value is substituted and the outer
``{{`` kept for a later pass, as Argo does.

What happens to references without a value is chosen with ``strict=`` (see
:mod:`.strictness`): left verbatim, "not ready yet"
(:class:`UnresolvedReferenceError`, listing every such reference), or, for a
present-but-``None`` value (a skipped/omitted node's output with no default),
the terminal :class:`AbsentOptionalError`.
"""

from __future__ import annotations

import copy
from collections.abc import Collection, Mapping
from typing import Any

from .env import Scope
from .errors import (
    MAX_NESTING,
    AbsentOptionalError,
    ExpressionTagError,
    TemplateSyntaxError,
    TemplatingError,
    UnresolvedReference,
    UnresolvedReferenceError,
)
from .expression_tags import ExpressionTag
from .strictness import Strictness

__all__ = [
    "CompiledStructure",
    "CompiledText",
    "compile_structure",
    "compile_text",
    "substitute_structure",
    "substitute_text",
]

# Go's strings.TrimSpace applied to JSON-escaped text: tabs and newlines are escaped
# there (so never trimmed), as are U+2028/U+2029.
_TRIM = " \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"

Strict = bool | Collection[str]

# Substitution is linear, so this only guards against absurd inputs (Argo's own
# documents stop at etcd's 1.5 MiB object limit).
MAX_TEMPLATE_LENGTH = 8 * 1024 * 1024


class _Tag:
    __slots__ = ("expression", "name", "position", "raw")

    def __init__(self, raw: str, position: int) -> None:
        self.raw = raw
        self.position = position
        self.name = raw.strip(_TRIM)
        self.expression = ExpressionTag(raw[1:]) if raw.startswith("=") else None


class CompiledText:
    """A text split once into literal parts and tags; render it with many value maps."""

    __slots__ = ("field", "parts", "tags", "text")

    def __init__(self, text: str, parts: tuple[str | _Tag, ...], field: str | None) -> None:
        self.text = text
        self.parts = parts
        self.field = field
        self.tags = tuple(p for p in parts if isinstance(p, _Tag))

    @property
    def has_tags(self) -> bool:
        return bool(self.tags)

    def references(self) -> tuple[str, ...]:
        """The simple tags' names, in order (expression tags are not listed)."""
        return tuple(t.name for t in self.tags if t.expression is None)

    def render(
        self,
        values: Mapping[str, Any] | Scope,
        *,
        strict: Strict = False,
        unresolved: list[UnresolvedReference] | None = None,
    ) -> str:
        """Substitute ``values`` into the text (see :func:`substitute_text`)."""
        if not self.tags:
            return self.text
        parts = self.parts
        if len(parts) == 3 and not parts[0] and not parts[2]:
            tag = parts[1]
            assert isinstance(tag, _Tag)
            if tag.expression is None and isinstance(values, dict):
                # The common case, a whole-string simple reference, without the general machinery.
                value = values.get(tag.name)
                if type(value) is str:
                    return value
        renderer = _Renderer(Scope.of(values), Strictness(strict), unresolved)
        result = renderer.render(self, self.field)
        renderer.finish(self.text, self.field)
        return result


def compile_text(text: str, *, field: str | None = None) -> CompiledText:
    """Split ``text`` into literals and tags; raise :class:`TemplateSyntaxError` on a lone ``{{``."""
    if "{{" not in text:
        return CompiledText(text, (text,), field)
    if len(text) > MAX_TEMPLATE_LENGTH:
        raise TemplateSyntaxError(
            f"template text is too long ({len(text)} characters; at most "
            f"{MAX_TEMPLATE_LENGTH} are substituted)",
            field=field,
        )
    parts: list[str | _Tag] = []
    position = 0
    while True:
        start = text.find("{{", position)
        if start < 0:
            parts.append(text[position:])
            break
        parts.append(text[position:start])
        end = text.find("}}", start + 2)
        if end < 0:
            raise TemplateSyntaxError(
                "cannot find the closing '}}' of this '{{'",
                text=text,
                position=start,
                field=field,
                hint="close the tag, e.g. {{inputs.parameters.message}}",
            )
        parts.append(_Tag(text[start + 2 : end], start))
        position = end + 2
    return CompiledText(text, tuple(parts), field)


def substitute_text(
    text: str,
    values: Mapping[str, Any] | Scope,
    *,
    strict: Strict = False,
    field: str | None = None,
    unresolved: list[UnresolvedReference] | None = None,
) -> str:
    """Substitute ``{{...}}`` tags in ``text`` with ``values``.

    :param values: flat map of variable names to strings; ``None`` marks an absent optional.
        Pass a :class:`Scope` to share the expression environment between calls.
    :param strict: ``False`` leaves missing references verbatim; ``True`` makes every
        missing reference an error; a collection of prefixes (``("steps", "tasks")``)
        makes only references under them errors.
    :param field: the field path of the text, named in errors.
    :param unresolved: if given, every reference left verbatim is appended to it.
    :raises UnresolvedReferenceError: strict references without a value ("not ready yet").
    :raises AbsentOptionalError: a reference to a skipped/omitted output with no default.
    :raises ExpressionTagError: an ``{{=...}}`` tag that had to resolve failed.
    :raises TemplateSyntaxError: a ``{{`` without ``}}``.
    """
    if "{{" not in text:
        return text
    return compile_text(text, field=field).render(values, strict=strict, unresolved=unresolved)


class _Renderer:
    __slots__ = ("missing", "scope", "share", "strictness", "unresolved")

    def __init__(
        self,
        scope: Scope,
        strictness: Strictness,
        unresolved: list[UnresolvedReference] | None,
    ) -> None:
        self.scope = scope
        self.strictness = strictness
        self.unresolved = unresolved
        self.missing: list[UnresolvedReference] = []
        self.share = False

    def finish(self, text: str | None, field: str | None) -> None:
        if self.missing:
            single = len({m.field for m in self.missing}) == 1
            raise UnresolvedReferenceError(
                tuple(self.missing),
                text=text if single else None,
                field=self.missing[0].field if single else field,
            )

    def terminal(self, error: TemplatingError) -> None:
        # Argo stops at the first error; a "not ready yet" before it means requeue, so the
        # terminal error only surfaces once the earlier references resolve.
        if not self.missing:
            raise error

    def leave(self, tag: _Tag, field: str | None, name: str | None = None) -> str:
        if self.unresolved is not None:
            self.unresolved.append(
                UnresolvedReference(
                    name or tag.name,
                    "{{" + tag.raw + "}}",
                    tag.position,
                    tag.expression is not None,
                    field,
                )
            )
        return "{{" + tag.raw + "}}"

    def render(self, compiled: CompiledText, field: str | None) -> str:
        out: list[str] = []
        for part in compiled.parts:
            if isinstance(part, str):
                out.append(part)
            elif part.expression is None:
                out.append(self.simple(part, compiled.text, field))
            else:
                out.append(self.expression(part, compiled.text, field))
        return "".join(out)

    def simple(self, tag: _Tag, text: str, field: str | None) -> str:
        values = self.scope.flat
        name = tag.name
        if name in values:
            value = values[name]
            if value is None:
                self.terminal(_absent(f"unable to substitute {{{{{tag.raw}}}}}", tag, text, field))
                return self.leave(tag, field)
            if not isinstance(value, str):
                self.terminal(
                    TemplatingError(
                        f"failed to resolve {{{{{tag.raw}}}}} to string",
                        text=text,
                        position=tag.position,
                        field=field,
                    )
                )
                return self.leave(tag, field)
            return value
        inner_start = tag.raw.rfind("{{")
        if inner_start > 0:
            inner = tag.raw[inner_start + 2 :]
            if inner in values:
                inner_value = values[inner]
                if inner_value is None:
                    message = f"unable to substitute nested tag {{{{{tag.raw}}}}}: {inner!r}"
                    self.terminal(_absent(message, tag, text, field))
                    return self.leave(tag, field)
                if isinstance(inner_value, str):
                    return "{{" + tag.raw[:inner_start] + inner_value
        if self.strictness.simple_must_resolve(name):
            reference = UnresolvedReference(name, "{{" + tag.raw + "}}", tag.position, False, field)
            self.missing.append(reference)
        return self.leave(tag, field)

    def expression(self, tag: _Tag, text: str, field: str | None) -> str:
        assert tag.expression is not None
        strictness = self.strictness
        outcome = tag.expression.resolve(self.scope, strictness.matches, strictness.lenient, field)
        if outcome.text is not None:
            return outcome.text
        if outcome.missing:
            for path in outcome.missing:
                self.missing.append(
                    UnresolvedReference(path, "{{" + tag.raw + "}}", tag.position, True, field)
                )
            return "{{" + tag.raw + "}}"
        if outcome.error is not None:
            self.terminal(
                ExpressionTagError(outcome.error, text=text, position=tag.position + 3, field=field)
            )
        return self.leave(tag, field)


def _absent(message: str, tag: _Tag, text: str, field: str | None) -> AbsentOptionalError:
    return AbsentOptionalError(
        f"{message}: output is an absent optional (skipped/omitted node with no default)",
        text=text,
        position=tag.position,
        field=field,
        hint="declare outputs.parameters[].valueFrom.default on the producer, a default on "
        "the consumer's input, or use {{= ref ?? 'fallback' }}",
    )


# A structure compiled once: each node is ("text", CompiledText), ("const", value),
# ("dict", ((key, node), ...)) with str or CompiledText keys, or ("list", (node, ...)).
_Node = tuple[str, Any]


class CompiledStructure:
    """A JSON-like structure whose strings (keys and values) are compiled once."""

    # The root's kind and payload apart: a structure without tags (most steps and tasks,
    # compiled once each and kept) is then one object, not two.
    __slots__ = ("_kind", "_payload", "field")

    def __init__(self, root: _Node, field: str | None) -> None:
        self._kind, self._payload = root
        self.field = field

    @property
    def has_tags(self) -> bool:
        """Whether any string in the structure has a ``{{...}}`` tag (else it renders to itself)."""
        return self._kind not in _CONSTANT

    def render(
        self,
        values: Mapping[str, Any] | Scope,
        *,
        strict: Strict = False,
        unresolved: list[UnresolvedReference] | None = None,
        share: bool = False,
    ) -> Any:
        """Substitute into a fresh copy of the structure (see :func:`substitute_structure`).

        ``share=True`` returns the parts without any tag as the very objects compiled
        (no copy): faster, for callers that never change the result.
        """
        kind, payload = self._kind, self._payload
        if kind == "const" or (kind == "tree" and share):
            return payload  # nothing to substitute: no renderer needed
        renderer = _Renderer(Scope.of(values), Strictness(strict), unresolved)
        renderer.share = share
        result = _render_node((kind, payload), renderer)
        renderer.finish(None, self.field)
        return result


def compile_structure(obj: Any, *, field: str | None = None) -> CompiledStructure:
    """Compile every string in a dict/list structure (as loaded from JSON or YAML)."""
    if _free_of_tags(obj, 0):  # most steps and templates: no walk with field paths
        return CompiledStructure(("tree" if type(obj) in (dict, list) else "const", obj), field)
    return CompiledStructure(_compile_node(obj, field or "", (), 0), field)


def substitute_structure(
    obj: Any,
    values: Mapping[str, Any] | Scope,
    *,
    strict: Strict = False,
    field: str | None = None,
    unresolved: list[UnresolvedReference] | None = None,
) -> Any:
    """Substitute ``{{...}}`` in every string (mapping keys too) of a dict/list structure.

    Returns a new structure; the input is not changed. Numbers, booleans and
    ``None`` are kept. Arguments and errors are those of :func:`substitute_text`;
    errors name the field path inside the structure, under ``field``.
    """
    return compile_structure(obj, field=field).render(values, strict=strict, unresolved=unresolved)


def _path_text(base: str, path: tuple[str | int, ...]) -> str:
    out = [base]
    for segment in path:
        if isinstance(segment, int):
            out.append(f"[{segment}]")
        elif not out[-1] and len(out) == 1:
            out.append(segment)
        elif segment and all(c.isalnum() or c in "-_" for c in segment):
            out.append("." + segment)
        else:
            out.append(f"[{segment!r}]")
    return "".join(out) or "(document)"


def _compile_node(obj: Any, base: str, path: tuple[str | int, ...], depth: int) -> _Node:
    if depth > MAX_NESTING * 2:
        raise TemplateSyntaxError(
            f"structure is nested deeper than {MAX_NESTING * 2} levels",
            field=_path_text(base, path),
        )
    if isinstance(obj, str):
        if "{{" not in obj:
            return ("const", obj)
        return ("text", compile_text(obj, field=_path_text(base, path)))
    if isinstance(obj, Mapping):
        items = []
        for key, value in obj.items():
            compiled_key: Any = key
            if isinstance(key, str) and "{{" in key:
                compiled_key = compile_text(key, field=_path_text(base, path))
            items.append((compiled_key, _compile_node(value, base, (*path, key), depth + 1)))
        if all(k is key and c[0] in _CONSTANT for (k, c), key in zip(items, obj, strict=True)):
            return ("tree", obj)  # no tag below: copied when rendered, or shared on request
        return ("dict", tuple(items))
    if isinstance(obj, (list, tuple)):
        children = tuple(_compile_node(v, base, (*path, i), depth + 1) for i, v in enumerate(obj))
        if all(child[0] in _CONSTANT for child in children):
            return ("tree", obj)
        return ("list", children)
    return ("const", obj)


_CONSTANT = ("const", "tree")
_SCALARS = (int, float, bool, type(None))


def _free_of_tags(obj: Any, depth: int) -> bool:
    """Whether a structure of plain dicts, lists, strings and scalars has no ``{{`` in any
    string, keys included: it compiles to itself. Other types, and structures nested
    deeper than :func:`_compile_node` accepts, take the full walk."""
    if depth > MAX_NESTING * 2:
        return False
    kind = type(obj)
    if kind is str:
        return "{{" not in obj
    if kind in _SCALARS:
        return True
    if kind is dict:
        for key, value in obj.items():
            if (type(key) is str and "{{" in key) or not _free_of_tags(value, depth + 1):
                return False
        return True
    if kind is list:
        return all(_free_of_tags(value, depth + 1) for value in obj)
    return False


def _render_node(node: _Node, renderer: _Renderer) -> Any:
    kind, payload = node
    if kind == "const":
        return payload
    if kind == "tree":
        return payload if renderer.share else copy.deepcopy(payload)
    if kind == "text":
        return renderer.render(payload, payload.field)
    if kind == "dict":
        result = {}
        for key, child in payload:
            if isinstance(key, CompiledText):
                rendered_key = renderer.render(key, key.field)
                result[rendered_key] = _render_node(child, renderer)
            else:
                result[key] = _render_node(child, renderer)
        return result
    return [_render_node(child, renderer) for child in payload]
