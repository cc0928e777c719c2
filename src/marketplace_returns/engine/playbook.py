"""Load a playbook: YAML → validated models → rules compiled into closures, once.

Why compile: ``triage`` runs tens of thousands of cases a second, so each condition becomes a small
closure at load time (references to ``settings.*`` resolved to constants, field paths to getters) and a
case only runs closures. Why validate beyond pydantic: a rule that can never fire is a silent policy
bug, so load time also refuses duplicate ids, a catch-all that is not last (it shadows every rule
after it), two rules with identical conditions (the second can never fire), unknown field paths
(with a "did you mean"), and an automatic reason-change request (a rep approves each one).

Order: rules run by ``priority`` (lower first; rules without one after, in list order); the first
whose conditions all hold wins. Every playbook ends with a catch-all rule.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, get_args

from pydantic import ValidationError

from marketplace_returns.engine import playbook_models as m
from marketplace_returns.engine.context import Context, steering_target
from marketplace_returns.engine.playbook_models import Playbook, Rule, Settings
from marketplace_returns.engine.signals import Signals
from marketplace_returns.errors import PlaybookError
from marketplace_returns.models.case import Case, GoodsStatus
from marketplace_returns.resources import data_dir
from marketplace_returns.yamlsource import Loc, YamlSource, dotted, load_yaml

Predicate = Callable[[Context], bool]

PATH_ROOTS: dict[str, tuple[str, ...]] = {
    "case": tuple(Case.model_fields),
    "signals": Signals._fields,
    "classification": ("family", "category", "confidence"),
    "money": m.MONEY_NAMES,
    "settings": tuple(Settings.model_fields),
}
ALL_PATHS = tuple(f"{root}.{leaf}" for root, leaves in PATH_ROOTS.items() for leaf in leaves)


def _conjunction(preds: list[Predicate]) -> Predicate:
    """One closure for all of ``preds`` (no generator per case: this runs for every rule tried)."""
    if not preds:
        return lambda ctx: True
    if len(preds) == 1:
        return preds[0]
    if len(preds) == 2:
        a, b = preds
        return lambda ctx: a(ctx) and b(ctx)
    if len(preds) == 3:
        a, b, c = preds
        return lambda ctx: a(ctx) and b(ctx) and c(ctx)
    return lambda ctx: all(p(ctx) for p in preds)


@dataclass(frozen=True, slots=True)
class CompiledRule:
    rule: Rule
    checks: tuple[tuple[str, Predicate], ...]
    """Each top-level condition as (label, closure), for the --explain trail."""
    matches: Predicate
    """All of ``checks`` as one closure."""
    requires: tuple[frozenset[Any] | None, frozenset[Any] | None, frozenset[Any] | None] = (None, None, None)
    """What the rule's top-level conditions demand of a case's (family, category, goods status): the
    values allowed, None where they demand nothing."""

    rationale: str = field(init=False, default="")
    """What a decision says of the rule: its rationale, else its description (stripped), worked out once."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "rationale", self.rule.rationale.strip() or self.rule.description.strip())

    def admits(self, family: Any, category: Any, status: Any) -> bool:
        """Whether a case of this family, category and goods status can pass the rule's top-level
        ``family_is``, ``category_in`` and ``goods_status_is`` conditions."""
        fams, cats, statuses = self.requires
        return (fams is None or family in fams) and (cats is None or category in cats) and (
            statuses is None or status in statuses)

    def first_failure(self, ctx: Context) -> str | None:
        for label, check in self.checks:
            if not check(ctx):
                return label
        return None


class _Bad(Exception):
    """A compile-time problem at ``loc`` below the rule; turned into a PlaybookError by the loader."""

    def __init__(self, message: str, loc: Loc, hint: str | None = None) -> None:
        self.message, self.loc, self.hint = message, loc, hint
        super().__init__(message)


def _hint(word: str, choices: tuple[str, ...]) -> str | None:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else None


def _getter(path: str, loc: Loc) -> Callable[[Context], Any]:
    root, _, leaf = path.partition(".")
    if root not in PATH_ROOTS or leaf not in PATH_ROOTS[root]:
        raise _Bad(f"unknown field path {path!r}", loc, _hint(path, ALL_PATHS))
    if root == "case":
        return lambda ctx: getattr(ctx.case, leaf)
    if root == "signals":
        return lambda ctx: getattr(ctx.signals, leaf)
    if root == "classification":
        return lambda ctx: getattr(ctx.classification, leaf)
    if root == "money":
        return lambda ctx: ctx.money.named(leaf)
    return lambda ctx: getattr(ctx.settings, leaf)


def _amount(ref: m.Ref, settings: Settings, loc: Loc) -> Callable[[Context], Decimal]:
    """A literal, ``settings.<key>`` (resolved now) or a money name (read per case)."""
    if isinstance(ref, Decimal):
        return lambda ctx: ref
    text = ref.strip()
    if text.startswith("settings."):
        key = text.removeprefix("settings.")
        if key not in Settings.model_fields:
            raise _Bad(f"unknown setting {text!r}", loc,
                       _hint(text, tuple(f"settings.{k}" for k in Settings.model_fields)))
        value = Decimal(str(getattr(settings, key)))
        return lambda ctx: value
    name = text.removeprefix("money.")
    if name in m.MONEY_NAMES:
        return lambda ctx: ctx.money.named(name)
    choices = (*m.MONEY_NAMES, *(f"settings.{k}" for k in Settings.model_fields))
    raise _Bad(f"unknown amount {text!r} (a number, a money name or settings.<key>)", loc,
               _hint(text, choices))


def _compile(cond: Any, settings: Settings, loc: Loc) -> Predicate:
    t = cond.type
    if t == "always":
        return lambda ctx: True
    if t == "family_is":
        fam = cond.value
        return lambda ctx: ctx.classification.family is fam
    if t == "category_in":
        cats = frozenset(cond.values)
        return lambda ctx: ctx.classification.category in cats
    if t == "severity_is":
        sev = cond.value
        return lambda ctx: ctx.signals.severity == sev
    if t == "colour_severity_is":
        csev = cond.value
        return lambda ctx: ctx.signals.colour_severity == csev
    if t == "goods_status_is":
        status: GoodsStatus = cond.value
        return lambda ctx: ctx.case.goods_status is status
    if t == "price_below":
        than = _amount(cond.than, settings, (*loc, "than"))
        times = _amount(cond.times, settings, (*loc, "times"))
        return lambda ctx: ctx.money.price < than(ctx) * times(ctx)
    if t == "amount_at_least":
        if cond.of not in m.MONEY_NAMES:
            raise _Bad(f"unknown amount {cond.of!r}", (*loc, "of"), _hint(cond.of, m.MONEY_NAMES))
        of, value = cond.of, _amount(cond.value, settings, (*loc, "value"))
        return lambda ctx: ctx.money.named(of) >= value(ctx)
    if t == "photos_at_least":
        n = cond.value
        return lambda ctx: (ctx.case.photos or 0) >= n
    if t == "message_empty":
        return lambda ctx: not (ctx.case.message or "").strip()
    if t == "reason_penalises":
        metric = cond.metric
        if metric is None:
            return lambda ctx: ctx.penalising is not None
        return lambda ctx: ctx.penalising == metric
    if t == "words_support_reason_change":
        return lambda ctx: steering_target(ctx) is not None
    if t == "shipped_before_ship_by":
        return lambda ctx: ctx.signals.shipped_late is False
    if t == "size_deviation_over":
        cm = float(cond.cm)
        return lambda ctx: ctx.case.size_deviation_cm is not None and abs(ctx.case.size_deviation_cm) > cm
    if t == "category_of_product_in":
        kinds = frozenset(v.lower() for v in cond.values)
        return lambda ctx: (ctx.case.category or "").lower() in kinds
    if t == "counterfeit_claim":
        return lambda ctx: ctx.signals.counterfeit_claim
    if t == "wants_return_is":
        want = cond.value
        return lambda ctx: ctx.case.wants_return is want
    if t == "days_since_delivery_over":
        days = _days(cond.days, settings, (*loc, "days"))
        return lambda ctx: (d := ctx.days_since_delivery) is not None and d > days
    if t == "field_equals":
        get, value = _getter(cond.path, (*loc, "path")), cond.value
        return lambda ctx: get(ctx) == value
    if t == "field_in":
        get, values = _getter(cond.path, (*loc, "path")), list(cond.values)
        return lambda ctx: get(ctx) in values
    if t == "words_mention":
        needles = tuple(w.lower() for w in cond.any)

        def mentions(ctx: Context) -> bool:
            message = (ctx.case.message or "").lower()
            return any(w in message for w in needles)
        return mentions
    if t == "all":
        parts = [_compile(c, settings, (*loc, "conditions", i)) for i, c in enumerate(cond.conditions)]
        return lambda ctx: all(p(ctx) for p in parts)
    if t == "any":
        parts = [_compile(c, settings, (*loc, "conditions", i)) for i, c in enumerate(cond.conditions)]
        return lambda ctx: any(p(ctx) for p in parts)
    if t == "not":
        inner = _compile(cond.condition, settings, (*loc, "condition"))
        return lambda ctx: not inner(ctx)
    raise _Bad(f"condition type {t!r} has no compiler", loc)  # pragma: no cover - union is closed


def _days(value: int | str, settings: Settings, loc: Loc) -> int:
    if isinstance(value, int):
        return value
    key = value.removeprefix("settings.")
    if key not in Settings.model_fields or not isinstance(getattr(settings, key), int):
        raise _Bad(f"unknown day setting {value!r}", loc, _hint(value, tuple(
            f"settings.{k}" for k, f in Settings.model_fields.items() if f.annotation is int)))
    days: int = getattr(settings, key)
    return days


def label(cond: Any) -> str:
    """A condition as a rep reads it in the trail: ``price_below(than=return_leg)``."""
    args = cond.model_dump(mode="json", exclude={"type"}, exclude_defaults=True)
    inner = ", ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in args.items())
    return f"{cond.type}({inner})"


def _requires(rule: Rule) -> tuple[frozenset[Any] | None, frozenset[Any] | None, frozenset[Any] | None]:
    """The values of family, category and goods status that the rule's top-level conditions allow."""
    fams = cats = statuses = None
    for c in rule.when:
        if c.type == "family_is":
            fams = frozenset([c.value]) if fams is None else fams & {c.value}
        elif c.type == "category_in":
            cats = frozenset(c.values) if cats is None else cats & frozenset(c.values)
        elif c.type == "goods_status_is":
            statuses = frozenset([c.value]) if statuses is None else statuses & {c.value}
    return fams, cats, statuses


def _is_catch_all(rule: Rule) -> bool:
    return all(c.type == "always" for c in rule.when)


def _check(pb: Playbook) -> list[CompiledRule]:
    """Compile every rule and refuse what would be a silent policy bug. Raises _Bad with a rules loc."""
    seen: dict[str, int] = {}
    for i, rule in enumerate(pb.rules):
        if rule.id in seen:
            raise _Bad(f"duplicate rule id {rule.id!r} (first at rules[{seen[rule.id]}])", ("rules", i, "id"))
        seen[rule.id] = i
        if rule.auto and rule.then.type == "request_reason_change":
            raise _Bad("a reason-change request is never automatic: a rep approves each one",
                       ("rules", i, "auto"))
    index = {r.id: i for i, r in enumerate(pb.rules)}
    ordered = pb.ordered_rules()
    signatures: dict[str, str] = {}
    compiled: list[CompiledRule] = []
    for pos, rule in enumerate(ordered):
        i = index[rule.id]
        if _is_catch_all(rule) and pos != len(ordered) - 1:
            later = ordered[pos + 1].id
            raise _Bad(f"catch-all rule shadows every rule after it (first: {later!r}); put it last",
                       ("rules", i, "when"))
        sig = json.dumps([c.model_dump(mode="json") for c in rule.when], sort_keys=True)
        if sig in signatures:
            raise _Bad(f"same conditions as rule {signatures[sig]!r}, which comes first: this rule can "
                       "never fire", ("rules", i, "when"))
        signatures[sig] = rule.id
        checks = tuple((label(c), _compile(c, pb.settings, ("rules", i, "when", j)))
                       for j, c in enumerate(rule.when))
        compiled.append(CompiledRule(rule, checks, _conjunction([c for _, c in checks]), _requires(rule)))
    if not _is_catch_all(ordered[-1]):
        raise _Bad("the last rule must be a catch-all (no conditions): every case needs a decision",
                   ("rules", index[ordered[-1].id], "when"))
    return compiled


def compiled_rules(pb: Playbook) -> list[CompiledRule]:
    """The playbook's compiled rules (compiled on first use for a Playbook built in code)."""
    private = pb.__pydantic_private__ or {}  # a plain dict read: pydantic's __getattr__ is slow per case
    compiled: list[CompiledRule] | None = private.get("_compiled")
    if compiled is None:
        try:
            compiled = _check(pb)
        except _Bad as bad:
            raise _error(bad, pb.model_dump(mode="json"), None, pb._source or pb.name) from None
        pb._compiled = compiled
    return compiled


def candidate_rules(pb: Playbook, family: Any, category: Any, status: Any) -> tuple[CompiledRule, ...]:
    """The compiled rules, in order, that a case of this family, category and goods status may match.

    The others each have a top-level condition on one of the three that the case fails, so the walk
    for a decision skips them (the ``--explain`` walk goes through every rule to say why each failed).
    Worked out once per playbook and combination: at most 2 × 14 × 4 of them.
    """
    private = pb.__pydantic_private__ or {}
    index: dict[tuple[Any, Any, Any], tuple[CompiledRule, ...]] | None = private.get("_candidates")
    if index is None:
        index = {}
        pb._candidates = index
    key = (family, category, status)
    found = index.get(key)
    if found is None:
        found = index[key] = tuple(_narrowed(r) for r in compiled_rules(pb)
                                   if r.admits(family, category, status))
    return found


_INDEXED = frozenset({"family_is", "category_in", "goods_status_is"})
"""The top-level conditions ``CompiledRule.requires`` reads, which ``candidate_rules`` decides by the key."""


def _narrowed(rule: CompiledRule) -> CompiledRule:
    """``rule`` as a candidate: ``matches`` without its top-level family, category and goods-status
    conditions, which every case the index hands it to passes (``admits``: the key is the case's own
    family, category and goods status, the very values those conditions compare). The same answer for
    those cases with fewer closures called per rule tried; ``checks`` (the ``--explain`` walk) keep all."""
    rest = [check for cond, (_, check) in zip(rule.rule.when, rule.checks, strict=True)
            if cond.type not in _INDEXED]
    if len(rest) == len(rule.checks):
        return rule
    return dataclasses.replace(rule, matches=_conjunction(rest))


def _error(bad: _Bad, data: Any, source: YamlSource | None, file: str) -> PlaybookError:
    rule = None
    loc = bad.loc
    if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int):
        try:
            rule = str(data["rules"][loc[1]]["id"])
        except (KeyError, IndexError, TypeError):
            rule = None
    return PlaybookError(bad.message, file=file, path=dotted(loc), rule=rule,
                         line=source.line_of(loc) if source else None, hint=bad.hint)


def _members(union: Any) -> tuple[Any, ...]:
    members: tuple[Any, ...] = get_args(get_args(union)[0])
    return members


def _tags(member: Any) -> tuple[str, ...]:
    tags: tuple[str, ...] = get_args(member.model_fields["type"].annotation)
    return tags


_TAGS = frozenset(tag for union in (m.Condition, m.ActionSpec)
                  for mem in _members(union) for tag in _tags(mem))


def _yaml_loc(data: Any, loc: tuple[Any, ...]) -> Loc:
    """Drop pydantic's union-tag steps so the path follows the YAML (for the line and the message)."""
    out: list[str | int] = []
    node = data
    for part in loc:
        in_dict = isinstance(node, dict) and part in node
        if in_dict or (isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)):
            node = node[part]
            out.append(part)
        elif isinstance(part, str) and part in _TAGS:
            continue
        else:
            out.append(part)
            break
    return tuple(out)


def parse_playbook(source: YamlSource, *, overrides: dict[str, Any] | None = None) -> Playbook:
    """Validate a parsed playbook (with per-shop setting overrides) and compile its rules."""
    data = source.data
    if not isinstance(data, dict):
        raise PlaybookError("a playbook is a mapping with name, settings and rules", file=source.file, line=1)
    if overrides:
        unknown = [k for k in overrides if k not in Settings.model_fields]
        if unknown:
            raise PlaybookError(f"unknown setting {unknown[0]!r} in the shop's overrides", file=source.file,
                                path=f"overrides.{unknown[0]}",
                                hint=_hint(unknown[0], tuple(Settings.model_fields)))
        data = {**data, "settings": {**(data.get("settings") or {}), **overrides}}
    try:
        pb = Playbook.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = _yaml_loc(data, tuple(err["loc"]))
        hint = None
        if err["type"] == "extra_forbidden" and loc:
            hint = _hint(str(loc[-1]), _known_keys(data, loc))
        if overrides and loc[:1] == ("settings",) and len(loc) > 1 and loc[1] in overrides:
            raise PlaybookError(err["msg"], file=source.file, path=f"overrides.{loc[1]}") from None
        raise _error(_Bad(err["msg"], loc, hint), data, source, source.file) from None
    pb._source = source.file
    try:
        pb._compiled = _check(pb)
    except _Bad as bad:
        raise _error(bad, data, source, source.file) from None
    return pb


def _known_keys(data: Any, loc: Loc) -> tuple[str, ...]:
    """Keys the model at ``loc``'s parent accepts, for the "did you mean" of an unknown key."""
    node: Any = data
    for part in loc[:-1]:
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            node = None
    if loc[:1] == ("settings",):
        return tuple(Settings.model_fields)
    if len(loc) == 3 and loc[0] == "rules":
        return tuple(Rule.model_fields)
    if isinstance(node, dict) and isinstance(node.get("type"), str):
        for union in (m.Condition, m.ActionSpec):
            for member in _members(union):
                if node["type"] in _tags(member):
                    return tuple(member.model_fields)
    return tuple(Playbook.model_fields)


def available_playbooks() -> list[str]:
    root = data_dir("playbooks")
    return sorted(p.name.removesuffix(".yaml") for p in root.iterdir()
                  if p.name.endswith(".yaml") and not p.name.endswith(".cases.yaml")
                  and p.name != "replies.yaml")


def playbook_path(name_or_path: str) -> tuple[str, str]:
    """(file label, text) of a shipped playbook name or a path on disk."""
    candidate = Path(name_or_path)
    if candidate.suffix in {".yaml", ".yml"} or candidate.is_file():
        if not candidate.is_file():
            raise PlaybookError("no such playbook file", file=name_or_path)
        return str(candidate), candidate.read_text(encoding="utf-8")
    shipped = data_dir("playbooks") / f"{name_or_path}.yaml"
    if not shipped.is_file() or name_or_path == "replies":
        names = ", ".join(available_playbooks())
        raise PlaybookError(f"no playbook named {name_or_path!r} (shipped: {names})", file=name_or_path,
                            hint=_hint(name_or_path, tuple(available_playbooks())))
    return f"playbooks/{name_or_path}.yaml", shipped.read_text(encoding="utf-8")


def load_playbook(name_or_path: str = "apparel", *, overrides: dict[str, Any] | None = None) -> Playbook:
    """Load a shipped playbook by name (``apparel``, ``shoes``) or a YAML file by path.

    ``overrides`` replaces settings for one shop (``{"return_leg_default": 10}``), validated like the
    file's own settings; the rules are unchanged.
    """
    file, text = playbook_path(name_or_path)
    return parse_playbook(load_yaml(text, file=file, error=PlaybookError), overrides=overrides)
