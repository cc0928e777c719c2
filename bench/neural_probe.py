"""Would a small neural reader of characters, trained on our rows alone, read differently enough to matter?

    pip install torch==2.13.0    # CPU; bench only, nothing in the package or its training imports it
    .venv/bin/python bench/neural_probe.py --corpora DIR --cache PREFIX [--only zh|en] [--folds 6] [--cost]

Why: the two second readers measured so far were a frozen contextual encoder (T, +2.4 points of English
family stacked with the n-gram reader, far over the per-case budget) and a second linear reader of
character grams (C, +1.1, built as weights .11). docs/classifier.md ended that section with what would
change the encoder's case: "a contextual reader small enough for the budget (a few-layer distilled
encoder, or a character CNN trained on these rows), measured by this same bench". This is the second of
those (experiment M): does a reader that sees characters in order, a few words at a time, and is trained
on nothing but our gold rows, read what the linear readers miss?

**M**, fixed before any figure and not tuned afterwards: NFKC, lower-cased, the first 400 characters;
characters seen twice in the fold's training rows, others one unknown id; an embedding of 48, three
convolutions of 64 channels and width 5 (dilations 1, 2 and 4, so each position sees 29 characters),
ReLU and a residual sum after the first, max and mean pooled over the text, dropout 0.3, and two heads:
the family (a logit, families balanced) and the category (softmax over R's categories, rows with one).
AdamW (rate 3e-3, decay 1e-4), batches of 64 texts of like length, 5 epochs, seed 13, two threads.
Training rows: every gold row and written message of the language outside the fold (the written
messages are never scored, as in bench/teacher_probe.py).

**Folds.** One network per source left out would be 41 networks; the sources are dealt instead into
``--folds`` groups (largest first, each to the lightest group), and every real text is read by the
network trained without its group. M so sees fewer sources than R, which reads each source with all the
others (``training.train.train``'s leave-one-source-out readings, the shipped recipe: English the stack
of the n-gram and character readers, cached by bench/prior_shift.py's ``--cache PREFIX``): a handicap on
M's side, never in its favour.

**S** is the mean of R's and M's family logits, the fixed stack of experiment G; its category is the most
probable within S's family of the mean of R's and M's category log-probabilities.

The rule, written before the first figure: M is worth building only in a language where S beats R by
0.010 family or more out of source, pooled over the real texts, and S is ahead on more than half of
that language's sources. The category is reported, not ruled on. Figures: docs/classifier.md.
"""

from __future__ import annotations

import argparse
import sys
import time
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval_triage import add_out_of_source_args, labelled_examples
from marketplace_returns.models.vocabulary import Category
from marketplace_returns.training.data import Example
from marketplace_returns.training.train import within_family
from prior_shift import cached, readings, row_keys
from teacher_probe import report, stack

F64 = npt.NDArray[np.float64]
CHARS = 400
EMBED, CHANNELS, WIDTH, DILATIONS = 48, 64, 5, (1, 2, 4)
EPOCHS, BATCH, RATE, DECAY, DROPOUT = 5, 64, 3e-3, 1e-4, 0.3


def _torch() -> Any:
    try:
        import torch
    except ImportError:
        sys.exit("bench/neural_probe.py needs torch: pip install torch==2.13.0 (the CPU build on this disk)")
    return torch


def clean(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()[:CHARS]


def groups(mine: list[Example], k: int) -> dict[str, int]:
    """Each scored source's group: largest first, each to the group with the fewest texts so far."""
    sizes: dict[str, int] = {}
    for e in mine:
        if e.origin != "messages":
            sizes[e.source] = sizes.get(e.source, 0) + 1
    load = [0] * k
    out: dict[str, int] = {}
    for source, n in sorted(sizes.items(), key=lambda kv: (-kv[1], kv[0])):
        g = min(range(k), key=lambda j: (load[j], j))
        out[source] = g
        load[g] += n
    return out


def folds(mine: list[Example], k: int) -> Iterator[tuple[list[int], list[Example]]]:
    """Each group's rows to read, and the rows its network trains on: every row of every other group, and
    the written messages (in no group, so always trained on and never read)."""
    group_of = groups(mine, k)
    for g in range(k):
        yield ([i for i, e in enumerate(mine) if group_of.get(e.source) == g],
               [e for e in mine if group_of.get(e.source) != g])


def network(vocab: int, categories: int) -> Any:
    torch = _torch()
    nn = torch.nn

    class Reader(nn.Module):  # type: ignore[misc,name-defined,unused-ignore]
        def __init__(self) -> None:
            super().__init__()
            self.embed = nn.Embedding(vocab, EMBED, padding_idx=0)
            self.convs = nn.ModuleList(
                nn.Conv1d(EMBED if i == 0 else CHANNELS, CHANNELS, WIDTH, dilation=d,
                          padding=d * (WIDTH // 2))
                for i, d in enumerate(DILATIONS))
            self.drop = nn.Dropout(DROPOUT)
            self.family = nn.Linear(2 * CHANNELS, 1)
            self.category = nn.Linear(2 * CHANNELS, categories)

        def forward(self, ids: Any) -> tuple[Any, Any]:
            mask = (ids > 0).unsqueeze(1).float()
            h = self.embed(ids).transpose(1, 2)
            for i, conv in enumerate(self.convs):
                z = torch.relu(conv(h)) * mask
                h = z if i == 0 else h + z
            pooled_max = (h - (1 - mask) * 1e4).max(dim=2).values
            pooled_mean = h.sum(dim=2) / mask.sum(dim=2).clamp(min=1)
            x = self.drop(torch.cat([pooled_max, pooled_mean], dim=1))
            return self.family(x).squeeze(1), self.category(x)

    return Reader()


def encode(texts: list[str], index: dict[str, int]) -> list[list[int]]:
    return [[index.get(ch, 1) for ch in t] or [1] for t in texts]


def batches(lengths: list[int], rng: np.random.Generator, *, shuffle: bool) -> list[npt.NDArray[np.int64]]:
    """Rows in batches of like length (shuffled within chunks of 50 batches when training)."""
    order = rng.permutation(len(lengths)) if shuffle else np.arange(len(lengths))
    chunk = BATCH * 50
    out: list[npt.NDArray[np.int64]] = []
    for s in range(0, len(order), chunk):
        part = order[s:s + chunk]
        part = part[np.argsort([lengths[i] for i in part], kind="stable")]
        out.extend(part[b:b + BATCH] for b in range(0, len(part), BATCH))
    if shuffle:
        out = [out[i] for i in rng.permutation(len(out))]
    return out


def pad(seqs: list[list[int]], rows: npt.NDArray[np.int64]) -> Any:
    torch = _torch()
    width = max(len(seqs[i]) for i in rows)
    out = torch.zeros((len(rows), width), dtype=torch.long)
    for j, i in enumerate(rows):
        out[j, :len(seqs[i])] = torch.tensor(seqs[i])
    return out


def fit_and_read(train_rows: list[Example], test_rows: list[Example], categories: list[Category],
                 seed: int) -> tuple[F64, F64]:
    """M trained on ``train_rows``: the family probability and category log-probabilities of ``test_rows``."""
    torch = _torch()
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    texts = [clean(e.text) for e in train_rows]
    counts: dict[str, int] = {}
    for t in texts:
        for ch in t:
            counts[ch] = counts.get(ch, 0) + 1
    index = {ch: i + 2 for i, ch in enumerate(sorted(c for c, n in counts.items() if n >= 2))}
    seqs = encode(texts, index)
    col = {c.value: j for j, c in enumerate(categories)}
    fam_y = torch.tensor([1.0 if e.family == "quality" else 0.0 for e in train_rows])
    fam_m = torch.tensor([1.0 if e.has_family else 0.0 for e in train_rows])
    cat_y = torch.tensor([col.get(e.category, -100) if e.has_category else -100 for e in train_rows])
    quality = float((fam_y * fam_m).sum())
    pos_weight = torch.tensor((float(fam_m.sum()) - quality) / max(quality, 1.0))
    model = network(len(index) + 2, len(categories))
    opt = torch.optim.AdamW(model.parameters(), lr=RATE, weight_decay=DECAY)
    bce = torch.nn.BCEWithLogitsLoss(reduction="none", pos_weight=pos_weight)
    ce = torch.nn.CrossEntropyLoss(ignore_index=-100)
    lengths = [len(s) for s in seqs]
    model.train()
    for _ in range(EPOCHS):
        for rows in batches(lengths, rng, shuffle=True):
            x = pad(seqs, rows)
            fam, cat = model(x)
            t = torch.from_numpy(rows)
            m = fam_m[t]
            loss = (bce(fam, fam_y[t]) * m).sum() / m.sum().clamp(min=1)
            if (cat_y[t] >= 0).any():
                loss = loss + ce(cat, cat_y[t])
            opt.zero_grad()
            loss.backward()
            opt.step()
    model.eval()
    test = encode([clean(e.text) for e in test_rows], index)
    p = np.zeros(len(test_rows))
    logq = np.zeros((len(test_rows), len(categories)))
    with torch.no_grad():
        for rows in batches([len(s) for s in test], rng, shuffle=False):
            fam, cat = model(pad(test, rows))
            p[rows] = torch.sigmoid(fam).numpy()
            logq[rows] = torch.log_softmax(cat, dim=1).numpy()
    return p, logq


def neural_readings(mine: list[Example], lang: str,
                    args: argparse.Namespace) -> tuple[F64, F64, list[str]]:
    """M's readings of every row, each by the network trained without its group, kept in
    PREFIX.neural.<lang>.npz (with the rows' keys) so that a second run trains nothing."""
    keys = row_keys(mine)
    path = Path(f"{args.cache}.neural.{lang}.npz")
    data = cached(path, keys)
    if data is not None:
        return data["p"], data["q"], [str(c) for c in data["categories"]]
    categories = sorted({Category(e.category) for e in mine if e.has_category}, key=lambda c: c.value)
    m = np.full(len(mine), np.nan)
    mq = np.zeros((len(mine), len(categories)))
    for g, (test, train_rows) in enumerate(folds(mine, args.folds)):
        started = time.process_time()
        m[test], mq[test] = fit_and_read(train_rows, [mine[i] for i in test], categories, args.seed)
        print(f"  {lang} group {g}: {len(test)} texts read, {len(train_rows)} trained on, "
              f"{time.process_time() - started:.0f} s CPU", flush=True)
    np.savez(path, p=m, q=mq, categories=np.array([c.value for c in categories]), keys=keys)
    return m, mq, [c.value for c in categories]


def cost() -> None:
    """A message's time through M on one thread, by length (an untrained network: the weights do not
    change the work)."""
    torch = _torch()
    torch.set_num_threads(1)
    net = network(3000, 14)
    net.eval()
    with torch.no_grad():
        for length in (44, 113, 236, CHARS):
            x = torch.randint(2, 3000, (1, length))
            for _ in range(20):
                net(x)
            started, n = time.perf_counter(), 300
            for _ in range(n):
                net(x)
            macs = length * (EMBED * CHANNELS + (len(DILATIONS) - 1) * CHANNELS * CHANNELS) * WIDTH
            print(f"  {length} characters: {(time.perf_counter() - started) / n * 1e6:,.0f} µs a message, "
                  f"{macs / 1e6:.1f} million multiply-adds")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_out_of_source_args(ap)
    ap.add_argument("--cache", type=Path, metavar="PREFIX", required=True,
                    help="R's readings, as bench/prior_shift.py --cache PREFIX keeps them")
    ap.add_argument("--folds", type=int, default=6)
    ap.add_argument("--cost", action="store_true", help="only time a message through M, by length")
    args = ap.parse_args()
    if args.cost:
        cost()
        return 0
    loaded = labelled_examples(args)
    if loaded is None:
        return 2
    examples, _ = loaded
    torch = _torch()
    torch.set_num_threads(2)
    for lang in ("zh", "en"):
        if args.only not in (None, lang):
            continue
        mine = [e for e in examples if e.lang == lang]
        m, mq_own, m_categories = neural_readings(mine, lang, args)
        if not Path(f"{args.cache}.{lang}.npz").is_file():
            sys.exit(f"{args.cache}.{lang}.npz is absent: "
                     f"run bench/prior_shift.py --cache {args.cache}, then this again")
        r, rq, categories = readings(mine, lang, args, None)
        # M's category columns in R's order (a category M never trained on is all but impossible to it)
        mq = np.full(rq.shape, np.log(1e-9))
        for j, c in enumerate(categories):
            if c.value in m_categories:
                mq[:, j] = mq_own[:, m_categories.index(c.value)]
        s = stack(r, m)
        log_r = np.log(np.clip(rq, 1e-9, 1.0))
        cats = {"R": [categories[j].value for j in within_family(rq, r, categories)],
                "M": [categories[j].value for j in within_family(mq, m, categories)],
                "S (mean of log-probabilities)": [categories[j].value
                                                  for j in within_family((log_r + mq) / 2, s, categories)]}
        report(lang, mine, {"R, the shipped recipe": r, "M, character CNN": m,
                            "S, mean of R's and M's logits": s}, cats)
        scored = np.array([e.has_family and e.origin != "messages" for e in mine])
        y = np.array([e.family == "quality" for e in mine])
        ahead = behind = 0
        sources = sorted({e.source for e in mine if e.origin != "messages"})
        for source in sources:
            rows = scored & np.array([e.source == source for e in mine])
            if rows.any():
                d = np.mean((s[rows] >= 0.5) == y[rows]) - np.mean((r[rows] >= 0.5) == y[rows])
                ahead += d > 0
                behind += d < 0
        gain = np.mean((s[scored] >= 0.5) == y[scored]) - np.mean((r[scored] >= 0.5) == y[scored])
        passed = gain >= 0.010 and ahead > len(sources) / 2
        print(f"  rule: S - R = {gain:+.4f} family, S ahead on {ahead} of {len(sources)} sources "
              f"(behind on {behind}): {'passes' if passed else 'fails'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
