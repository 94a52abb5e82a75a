"""Text → IPC subclass / WIPO field classifier on real Chinese patent titles (``cn-patent-titles-ipc``).

Protocol: a fixed-seed 80/20 split of the available rows (the test split is never used for training or
tuning).  On a validation fifth of the training split: the SVM's C, the Platt calibration of margins
(slope, offset) and the score threshold of the set prediction are chosen; the model is then refitted on the
whole training split and scored once on the test split.  Micro-F1@k takes the top k labels as the
prediction; the "set" F1 keeps the best label plus every other scoring ≥ threshold (at most 3), a
set-valued prediction comparable to the source project's thresholded classifier.  WIPO fields: subclass
scores summed per field through the WIPO concordance; gold fields are those of the gold subclasses.
"""

from __future__ import annotations

import os
import time

import numpy as np

from panhuo.taxonomy import classifier, reference
from panhuo.taxonomy.catalog import get_catalog
from panhuo.taxonomy.service import ipc_training_docs

BASELINE = 0.49  # the source project's micro-F1 (TF-IDF + SVM, out-of-fold) on this data
PREVIOUS = {"f1@1": 0.3231, "f1@3": 0.3369, "set": 0.3545, "acc3": 0.659}  # kNN + centroids, same split
C_GRID = (0.5, 1.0)
THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.05, 0.71, 0.025))


def _wipo(ranked, cat) -> list[str]:
    scores: dict[str, float] = {}
    for code, score in ranked:
        for m in cat.wipo_fields([code]):
            scores[m.target] = scores.get(m.target, 0.0) + score * m.weight
    return [f for f, _ in sorted(scores.items(), key=lambda kv: -kv[1])]


def _wipo_set(ranked, cat, threshold) -> list[str]:
    return list(dict.fromkeys(f for code in classifier.choose_set(ranked, threshold)
                              for f in _wipo([(code, 1.0)], cat)))


def _platt(model, texts, gold) -> tuple[float, float]:
    """Slope and offset of a logistic curve fitted to the top-10 margins of each validation text."""
    from sklearn.linear_model import LogisticRegression

    xs, ys = [], []
    for text, truth in zip(texts, gold):
        m = model.margins(text)
        if m is None:
            continue
        for i in np.argsort(-m)[:10]:
            xs.append(m[i])
            ys.append(model.labels[i] in truth)
    lr = LogisticRegression(C=100.0).fit(np.array(xs)[:, None], np.array(ys))
    slope = float(lr.coef_[0, 0])
    return round(slope, 3), round(-float(lr.intercept_[0]) / slope, 3)


def _validate(titles, labels, tr, va, ipc_docs, grid) -> dict:
    gold = [labels[i] for i in va]
    best = None
    for c in grid:
        model = classifier.fit([titles[i] for i in tr], [labels[i] for i in tr], ipc_docs, c=c)
        f1 = classifier.metrics([[x for x, _ in model.predict(titles[i], 1)] for i in va], gold, 1)["f1"]
        if best is None or f1 > best[0]:
            best = (f1, c, model)
    _, c, model = best
    classifier.SLOPE, classifier.OFFSET = slope, offset = _platt(model, [titles[i] for i in va], gold)
    ranked = [model.predict(titles[i], 3) for i in va]
    threshold = max(THRESHOLDS, key=lambda t: classifier.metrics([classifier.choose_set(r, t) for r in ranked],
                                                                  gold, 3)["f1"])
    val_set = classifier.metrics([classifier.choose_set(r, threshold) for r in ranked], gold, 3)["f1"]
    return {"c": c, "slope": slope, "offset": offset, "threshold": threshold, "val_set_f1": round(val_set, 4)}


def run(scale: str) -> dict:
    data = reference.resolve(None)
    df = reference.titled_patents(data)
    titles, labels = df["title"].to_list(), df["ipc_subclasses"].to_list()
    train_idx, test_idx = classifier.split(len(df))
    ipc_docs = ipc_training_docs(data)
    # 1. choose C, the calibration and the set threshold on a validation part of the training split
    inner_train, inner_val = classifier.split(len(train_idx), seed=classifier.SEED + 1)
    chosen = _validate(titles, labels, [train_idx[i] for i in inner_train], [train_idx[i] for i in inner_val],
                       ipc_docs, C_GRID if scale == "full" else C_GRID[-1:])
    # 2. refit on the whole training split, score once on the test split
    load_before = os.getloadavg()[0]
    t0 = time.perf_counter()
    model = classifier.fit([titles[i] for i in train_idx], [labels[i] for i in train_idx], ipc_docs, c=chosen["c"])
    fit_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    ranked = [model.predict(titles[i], 10) for i in test_idx]
    predict_ms = (time.perf_counter() - t0) / len(test_idx) * 1000
    gold = [labels[i] for i in test_idx]
    top = [[c for c, _ in r] for r in ranked]
    cat = get_catalog(data)
    gold_wipo = [sorted({m.target for s in g for m in cat.wipo_fields([s])}) for g in gold]
    pred_wipo = [_wipo(r, cat) for r in ranked]
    th = chosen["threshold"]
    m1, m3 = classifier.metrics(top, gold, 1), classifier.metrics(top, gold, 3)
    ms = classifier.metrics([classifier.choose_set(r, th) for r in ranked], gold, 3)
    w1, w3 = classifier.metrics(pred_wipo, gold_wipo, 1), classifier.metrics(pred_wipo, gold_wipo, 3)
    ws = classifier.metrics([_wipo_set(r, cat, th) for r in ranked], gold_wipo, 6)
    en = _english_probe(model)

    def row(metric, value, goal="", baseline="", note="", unit=""):
        ratio = round(value / baseline, 2) if isinstance(baseline, float) and baseline else ""
        return {"metric": metric, "value": round(value, 4), "unit": unit, "goal": goal, "baseline": baseline,
                "ratio": ratio, "note": note}

    rows = [
        row(f"IPC subclass micro-F1, thresholded set (best + others ≥ {th}, ≤ 3)", ms["f1"], "> 0.49", BASELINE,
            f"P {ms['precision']:.3f}, R {ms['recall']:.3f}; previous kNN model {PREVIOUS['set']}"),
        row("IPC subclass micro-F1@1", m1["f1"], "", BASELINE,
            f"P@1 {m1['precision']:.3f}, R@1 {m1['recall']:.3f}; previous {PREVIOUS['f1@1']}"),
        row("IPC subclass micro-F1@3", m3["f1"], "", BASELINE,
            f"P@3 {m3['precision']:.3f}, R@3 {m3['recall']:.3f}; previous {PREVIOUS['f1@3']}"),
        row("IPC subclass top-1 accuracy (top label is a gold label)", m1["accuracy"]),
        row("IPC subclass top-3 accuracy (a gold label in the top 3)", m3["accuracy"],
            note=f"previous {PREVIOUS['acc3']}"),
        row("WIPO field micro-F1, thresholded set", ws["f1"], note=f"P {ws['precision']:.3f}, R {ws['recall']:.3f}"),
        row("WIPO field micro-F1@1", w1["f1"], note=f"P@1 {w1['precision']:.3f}"),
        row("WIPO field micro-F1@3", w3["f1"]),
        row("WIPO field top-3 accuracy", w3["accuracy"]),
        row("English probes: expected subclass in top 3", en, note="hand-written English requests, see _ENGLISH"),
        row("fit time (training split + IPC scheme documents)", fit_s, unit="s",
            note=(f"{model.meta['ipc_docs']:,} scheme docs, {model.meta['features']:,} features; 2 liblinear threads, "
                  f"load average {load_before:.1f} on 2 cores when it started")),
        row("prediction time per text", predict_ms, unit="ms"),
    ]
    return {"title": "Taxonomy: text → IPC subclass / WIPO field classifier", "goal": "micro-F1 clearly > 0.49",
            "rows": rows, "scale": scale,
            "notes": [(f"{len(df):,} real titles available (the set holds back ~20% for independent evaluation); "
                       f"train {len(train_idx):,} / test {len(test_idx):,}, seed {classifier.SEED}; "
                       f"{len({s for g in labels for s in g})} subclasses, "
                       f"{sum(len(g) for g in gold) / len(gold):.2f} gold labels per title."),
                      (f"Chosen on validation (a fifth of the training split): C={chosen['c']} (grid {list(C_GRID)}), "
                       f"Platt slope {chosen['slope']}, offset {chosen['offset']}, set threshold {th} "
                       f"(validation set F1 {chosen['val_set_f1']})."),
                      ("Title-only input. The 0.49 baseline (source project experiments/results/multilabel_tfidf_svm/"
                       "summary.json) is a one-vs-rest linear SVM on char 1–4-grams of title × 10 + ABSTRACT, "
                       "9,867 documents, 5-fold CV, threshold tuned per fold. Abstracts are not in our copy; "
                       "on titles alone the same kind of model reaches the figure above, not 0.49."),
                      "Shared, loaded machine (2 cores used by several engineers at once); timings are inflated."]}


_ENGLISH = [("lithium ion battery anode material", "H01M"), ("wind turbine blade", "F03D"),
            ("traditional Chinese medicine composition for treating diabetes", "A61K"),
            ("image recognition with a convolutional neural network", "G06V"),
            ("semiconductor device manufacturing", "H01L"), ("water treatment by flocculation", "C02F"),
            ("vehicle brake control", "B60T"), ("wireless communication network scheduling", "H04W")]


def _english_probe(model) -> float:
    """Share of hand-written English requests whose expected subclass is in the top 3."""
    return sum(code in [c for c, _ in model.predict(text, 3)] for text, code in _ENGLISH) / len(_ENGLISH)
