"""Would a learned layer raise the guardrail's recall at a false-block rate <= 0.03? Measured, not shipped.

Why: the rules miss phrasing they have no word for; a small logistic model over hashed character
n-grams might catch some of it. It would only ever add blocks (where its probability is very high, a
rule-level concept is present and no disclaimer is), so the question is how many misses it catches per
honest message it blocks. Two measurements, both without rows the model was trained on:

1. Grouped cross-validation over the tuning corpus (tests/data/guardrail/tune*.jsonl), the groups being
   the batches the messages were written in (the ``note`` field; the first eval set is one group per
   note too), so that a batch's phrasing is never in both the training and the test folds.
2. The honest replay: a model trained on tune.jsonl only, added to the rules as they stood when the
   first eval set was scored (``git show <commit>:src/marketplace_returns/engine/guardrail.py``,
   passed as ``--old-rules FILE``), scored on tune_eval1.jsonl, which neither had seen.

    git show <commit of the first eval run>:src/marketplace_returns/engine/guardrail.py > old_rules.py
    .venv/bin/python bench/guardrail_learned.py [--old-rules old_rules.py] [--write]

Needs the ``train`` extra (scikit-learn).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer, HashingVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from sklearn.preprocessing import normalize

from marketplace_returns.engine import guardrail
from marketplace_returns.engine.guardrail import learned, rules
from marketplace_returns.engine.guardrail.learned import grams

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "guardrail"
THRESHOLDS = (0.5, 0.7, 0.8, 0.9, 0.95, 0.98)


HELDOUT = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "heldout.tsv"


def heldout_hashes() -> set[str]:
    """The SHA-256s of the held-out real texts (../shared/data/heldout.tsv), never trained on."""
    if not HELDOUT.is_file():
        return set()
    out = set()
    for line in HELDOUT.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            cols = line.split("\t")
            if len(cols) >= 4:
                out.add(cols[3].strip())
    return out


def load(paths: list[Path]) -> list[dict[str, object]]:
    rows = []
    held = heldout_hashes()
    for p in paths:
        for line in p.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                text = str(row["text"])
                if {hashlib.sha256(t.encode("utf-8")).hexdigest() for t in (text, text.strip())} & held:
                    continue
                note = str(row.get("note") or "").split("(")[0].strip()
                if p.name.startswith("tune_eval"):  # an evaluation set: one group
                    row["group"] = p.name
                elif p.name.startswith("tune_probes"):  # a probe batch: p2a, p3g, ...
                    row["group"] = f"{p.name}:{str(row['id']).split('-')[0]}"
                else:
                    row["group"] = f"{p.name}:{note}"
                rows.append(row)
    return rows


def vectoriser() -> HashingVectorizer:
    return HashingVectorizer(analyzer="char", ngram_range=(1, 4), n_features=2 ** 18, alternate_sign=False,
                             norm="l2", preprocessor=guardrail.normalise)


FEATURES = "grams"
KEEP = 4000
THRESHOLD = 0.9  # the highest recall with no added false block in either measurement (docs/guardrail.md)


def _analyse(text: str) -> list[str]:
    return grams(guardrail.normalise(text))


def fit(texts: list[str], labels: np.ndarray, c: float = 4.0) -> Callable[[list[str]], np.ndarray]:
    if FEATURES == "hashed":
        vec = vectoriser()
        model = LogisticRegression(C=c, max_iter=2000, class_weight="balanced")
        model.fit(vec.transform(texts), labels)
        return lambda xs: model.predict_proba(vec.transform(xs))[:, 1]
    cv, model = train(texts, labels, c, keep=KEEP)
    return lambda xs: model.predict_proba(normalize(cv.transform(xs).astype(np.float64)))[:, 1]


def train(texts: list[str], labels: np.ndarray, c: float = 4.0, keep: int = KEEP
          ) -> tuple[CountVectorizer, LogisticRegression]:
    """Grams seen twice or more, a first fit, the ``keep`` grams of largest weight, a second fit on them
    alone (so the shipped vocabulary is small and the vector's norm is the one the second fit saw)."""
    cv = CountVectorizer(analyzer=_analyse, binary=True, min_df=2)
    x = normalize(cv.fit_transform(texts).astype(np.float64))
    model = LogisticRegression(C=c, max_iter=2000, class_weight="balanced").fit(x, labels)
    vocab = cv.get_feature_names_out()
    top = np.argsort(-np.abs(model.coef_[0]))[:keep]
    cv = CountVectorizer(analyzer=_analyse, binary=True, vocabulary=sorted(vocab[top]))
    x = normalize(cv.fit_transform(texts).astype(np.float64))
    model = LogisticRegression(C=c, max_iter=2000, class_weight="balanced").fit(x, labels)
    return cv, model


def rules_only(text: str) -> bool:
    """The rules' verdict without the shipped learned layer (``assess`` would add it)."""
    return rules._classify(guardrail.normalise(text[:guardrail.MAX_CHARS])) is not None


def concept_present(module: object, text: str) -> bool:
    """Where the layer may block: a rule-level concept (an act or benefit word) and no disclaimer."""
    return learned._model_may_block(guardrail.normalise(text))


def report(label: str, rows: list[dict[str, object]], rule: list[bool], prob: np.ndarray,
           allowed: list[bool]) -> None:
    print(f"\n{label}")
    print(f"{'threshold':>9} {'lang':4} {'recall':>16} {'false block':>16} {'caught':>7} {'added FB':>8}")
    for t in (None, *THRESHOLDS):
        for lang in ("zh", "en"):
            idx = [i for i, r in enumerate(rows) if r["lang"] == lang]
            pos = [i for i in idx if rows[i]["blocked"]]
            neg = [i for i in idx if not rows[i]["blocked"]]
            final = {i: rule[i] or (t is not None and allowed[i] and prob[i] >= t) for i in idx}
            rec = sum(final[i] for i in pos)
            fb = sum(final[i] for i in neg)
            caught = sum(final[i] and not rule[i] for i in pos)
            added = sum(final[i] and not rule[i] for i in neg)
            name = "rules" if t is None else f"{t:.2f}"
            print(f"{name:>9} {lang:4} {rec / len(pos):7.3f} ({rec:4}/{len(pos):4}) {fb / len(neg):7.3f} "
                  f"({fb:3}/{len(neg):4}) {caught:7} {added:8}")


def veto_report(rows: list[dict[str, object]], rule: list[bool], prob: np.ndarray) -> None:
    """A second role weighed: un-block a rule block the held-out model scores below ``low`` (an upper
    bound - any extra condition such as a disclaimer-like context can only remove fewer)."""
    print("\n1b. rule blocks the model (grouped CV) scores below a low threshold")
    print(f"{'below':>6} {'lang':4} {'false blocks removed':>21} {'true blocks lost':>17}")
    for low in (0.01, 0.02, 0.05, 0.1, 0.2):
        for lang in ("zh", "en"):
            idx = [i for i, r in enumerate(rows) if r["lang"] == lang and rule[i] and prob[i] < low]
            removed = sum(not rows[i]["blocked"] for i in idx)
            lost = sum(bool(rows[i]["blocked"]) for i in idx)
            print(f"{low:6.2f} {lang:4} {removed:21} {lost:17}")


def write_weights() -> int:
    rows = load(sorted(DATA.glob("tune*.jsonl")))
    texts = [str(r["text"]) for r in rows]
    labels = np.array([bool(r["blocked"]) for r in rows], dtype=int)
    cv, model = train(texts, labels, keep=KEEP)
    out = Path(learned.__file__).resolve().parent / learned.WEIGHTS
    out.parent.mkdir(exist_ok=True)
    vocab = cv.get_feature_names_out()
    np.savez_compressed(out, format=np.int64(learned.FORMAT), vocab=np.array(vocab, dtype=str),
                        weights=model.coef_[0].astype(np.float32), bias=np.float64(model.intercept_[0]),
                        threshold=np.float64(THRESHOLD), messages=np.int64(len(rows)))
    print(f"wrote {out.name}: {len(vocab)} grams, {out.stat().st_size:,} bytes, "
          f"trained on {len(rows)} messages")
    return 0


def main(argv: list[str] | None = None) -> int:
    global FEATURES, KEEP
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--old-rules", type=Path,
                    help="guardrail.py as it stood when the first eval set was scored")
    ap.add_argument("--features", choices=("grams", "hashed"), default="grams")
    ap.add_argument("--keep", type=int, default=KEEP, help="grams kept after the first fit")
    ap.add_argument("--replay-set", default=None,
                    help="with --old-rules: the evaluation file scored (a model trained on every other "
                         "tuning file); default tune_eval1.jsonl with a model trained on tune.jsonl")
    ap.add_argument("--write", action="store_true",
                    help="train on every tuning file and write the shipped weights")
    args = ap.parse_args(argv)
    FEATURES = args.features
    KEEP = args.keep
    if args.write:
        return write_weights()

    rows = load(sorted(DATA.glob("tune*.jsonl")))
    texts = [str(r["text"]) for r in rows]
    labels = np.array([bool(r["blocked"]) for r in rows], dtype=int)
    groups = [str(r["group"]) for r in rows]
    print(f"{len(rows)} messages, {len(set(groups))} groups")
    prob = np.zeros(len(rows))
    for train, test in GroupKFold(n_splits=5).split(texts, labels, groups):
        predict = fit([texts[i] for i in train], labels[train])
        prob[test] = predict([texts[i] for i in test])
    rule = [rules_only(t) for t in texts]
    allowed = [concept_present(guardrail, t) for t in texts]
    report("1. grouped 5-fold CV over the tuning corpus, current rules OR model", rows, rule, prob, allowed)
    veto_report(rows, rule, prob)

    if args.old_rules is not None:
        spec = importlib.util.spec_from_file_location("guardrail_old", args.old_rules)
        assert spec is not None and spec.loader is not None
        old = importlib.util.module_from_spec(spec)
        sys.modules["guardrail_old"] = old
        spec.loader.exec_module(old)
        test_name = args.replay_set or "tune_eval1.jsonl"
        train_paths = ([DATA / "tune.jsonl"] if args.replay_set is None
                       else [p for p in sorted(DATA.glob("tune*.jsonl")) if p.name != test_name])
        train_rows = load(train_paths)
        test_rows = load([DATA / test_name])
        predict = fit([str(r["text"]) for r in train_rows],
                      np.array([bool(r["blocked"]) for r in train_rows], dtype=int))
        test_texts = [str(r["text"]) for r in test_rows]
        report(f"2. replay: the rules frozen before {test_name} was scored OR a model trained on "
               f"{', '.join(p.name for p in train_paths)}, scored on {test_name}",
               test_rows, [old.assess(t).blocked for t in test_texts],
               predict(test_texts), [concept_present(old, t) for t in test_texts])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
