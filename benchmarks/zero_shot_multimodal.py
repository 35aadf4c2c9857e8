"""Zero-shot audio <-> image retrieval with frozen (resistive-memory) liquid state machines.

The protocol of Lin et al. (Nat. Comput. Sci. 2025; ``reference/seed_details.md`` section 2) on
offline counterparts of its data, documented in ``reservoir.events``:

- images: scikit-learn's 8x8 digits, upsampled to 28x28, moved along the N-MNIST three-saccade
  path on a 34x34 simulated event camera (300 ms), binned to 50 binary steps x 16x16 inputs;
- audio: the shipped espeak-ng spoken digits (``data/spoken_digits_events.npz``), 64-channel
  gammatone / integrate-and-fire cochlea events, binned to 129 binary steps of 10 ms.

Encoders (frozen, features = spike counts of 200 LIF neurons, computed once): the authors' LIF
liquid :class:`hardware.ResistiveLSM` (image: decay 0.9, threshold 5.0; audio: decay 0.97,
threshold 5.3) with weights from unprogrammed ReRAM pairs ("resistive", 2 % read noise) or
Gaussian weights of equal spread ("software", the paper's software LSM), one chip per seed; and
the package's 3-D grid LIF liquid :class:`reservoir.LSM` (200 neurons, its defaults) as a
second software encoder. The weight scale of each modality is chosen from two values (ours and
the authors') by supervised validation accuracy of the software LSM of the first seed.

Heads: one dense layer + GELU into 64 dimensions per modality, Adam 1e-3, 100 epochs, batches
of 8 pairs, symmetric InfoNCE; two loss variants (dot product at temperature 1, the authors';
cosine at temperature 0.1) and the epoch are selected on validation retrieval of the seen
classes 1-7 (never on test). Test: top-1 retrieval among the test items of classes 1-7 (chance
1/7) and of classes 8-9 (chance 1/2), audio->image and image->audio, each query against every
item of the other modality (not class prototypes); medians over seeds. The test sets are the
authors' (``--gallery balanced``): per class as many images as utterances, at most 100 (their
``zero_shot_sim.py``); ``--gallery all`` keeps every test item (unequal class counts).

``--sweep``: the unseen figure over many class splits, so that it reads as a property of the
method rather than of one split: every pair of digits 1-9 unseen (the other seven seen, 36
splits) and seen 0-6 / unseen 7-9, ``--sweep-seeds`` chips and head initialisations each, the
same training and validation-only selection; medians [IQR] over runs, the fraction of runs and
of pair medians above chance, and a Wilcoxon signed-rank test of the 36 pair medians against 0.5.

Also: supervised accuracy (logistic regression on spike counts, 10 digits), linear probes of the
64-d embeddings (10 digits; and 8 vs 9 alone), floors on raw event counts, and the energy of
one inference from ``hardware/energy.py``.

The trained reference (``--rnn``): a GRU per modality (64 units, time-averaged state) with the
same heads and loss, trained end to end (Adam 3e-3, batches of 32, ``--rnn-epochs``), and GRU
classifiers for the supervised row, all selected on validation.

Run: ``python benchmarks/zero_shot_multimodal.py [--seeds 3] [--rnn] [--sweep] [--json OUT]``
(the default run: about 1 minute of training, most of the rest generating the image events;
``--rnn`` adds about 5 minutes of CPU time, ``--sweep`` about 370 trainings of ~1 s each on a
quiet machine; wall time on a loaded shared machine is much longer).
"""

import argparse
import json
import time
import warnings

import numpy as np
from scipy.stats import wilcoxon
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from hardware import energy
from hardware.resistive_lsm import ResistiveLSM
from reservoir import LSM
from reservoir.recurrent_clip import GRUClassifier, GRUContrastive
from reservoir.events import digit_events, load_spoken_digits, spoken_digit_inputs
from reservoir.zero_shot import (SEEN, UNSEEN, balanced_test_sets, class_splits, evaluate_retrieval, group_split,
                                 spike_counts, stratified_split, train_class_scores, train_heads)

warnings.filterwarnings("ignore", category=FutureWarning, module="sklearn")

IMAGE = dict(decay=0.9, threshold=5.0)
AUDIO = dict(decay=0.97, threshold=5.3)
SCALES = {"image": (0.07, 0.3), "audio": (0.03, 0.08)}  # (ours, the authors' zero-shot const) / (ours, theirs)
VARIANTS = [dict(), dict(normalize=True, temperature=0.1)]


def variants(args):
    """The head settings chosen from on seen-class validation: the loss variants (``--losses``)
    x ``--weight-decays``, embedding size ``--dim``."""
    losses = VARIANTS if args.losses == "both" else VARIANTS[:1]
    return [dict(v, epochs=args.epochs, weight_decay=wd, dim=args.dim) for wd in args.weight_decays for v in losses]
PAPER = {
    "software": {"seen_top1": 0.661, "unseen_top1": 0.880},
    "resistive": {"seen_top1": 0.6742, "unseen_top1": 0.875},
    "srnn_clip": {"seen_top1": 0.8228, "unseen_top1": 0.740},
    "supervised": {"software": {"image": 0.8911, "audio": 0.7079}, "resistive": {"image": 0.8966, "audio": 0.7011},
                   "rnn": {"image": 0.9623, "audio": 0.7554}},
}


def logistic(train_x, train_y, test_x, test_y):
    clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=3000))
    return float(clf.fit(train_x, train_y).score(test_x, test_y))


def encoder(kind, modality, scale, seed):
    if kind == "grid":
        return LSM(n_units=200, steps_per_input=1, spike_features="cumulative", random_state=seed)
    cfg = IMAGE if modality == "image" else AUDIO
    return ResistiveLSM(n_units=200, weight_scale=scale, steps_per_input=1, spike_features="cumulative",
                        weights="gaussian" if kind == "software" else "devices", random_state=seed, **cfg)


def summary(values):
    v = np.asarray(values, dtype=float)
    return {"median": float(np.median(v)), "iqr": [float(np.percentile(v, 25)), float(np.percentile(v, 75))],
            "per_seed": [float(x) for x in v]}


def energy_per_inference(n_inputs, n_steps, input_rate, neuron_rate, mean_g_uS):
    """Energy (J) of one LSM inference: analog crossbar steps (devices) vs digital MACs.

    First order (``hardware/energy.py``): the analog side counts the crossbar reads, converters and
    ramp column of every step, not the LIF neuron circuits; the digital side counts MACs and one
    SRAM weight fetch per MAC. The head (200 x 64 MACs) is digital in both.
    """
    analog = energy.analog_step(n_inputs + 200, 200, mean_g_uS, input_power=max(input_rate, 1e-6))
    heads = energy.digital_step(200 * 64, "fp32")["total_J"]
    dense = energy.digital_step(n_steps * (n_inputs + 200) * 200, "fp32")["total_J"]
    # Event-driven digital: only the rows of inputs and neurons that spiked are read.
    sparse = energy.digital_step(int(n_steps * (input_rate * n_inputs + neuron_rate * 200) * 200), "fp32")["total_J"]
    dense_int8 = energy.digital_step(n_steps * (n_inputs + 200) * 200, "int8")["total_J"]
    return {"resistive_lsm_J": n_steps * analog["total_J"], "projection_head_fp32_J": heads,
            "digital_lsm_dense_fp32_J": dense, "digital_lsm_event_driven_fp32_J": sparse,
            "digital_lsm_dense_int8_J": dense_int8, "neuron_rate": neuron_rate, "input_rate": input_rate,
            "ratio_dense_over_resistive": dense / (n_steps * analog["total_J"]),
            "ratio_event_driven_over_resistive": sparse / (n_steps * analog["total_J"])}


def test_sets(audio_y, audio_split, image_y, image_split, classes, gallery):
    """Indices of the audio and image test items of ``classes``: ``"balanced"`` (the authors':
    as many images as utterances per class, at most 100) or ``"all"`` (every test item)."""
    if gallery == "balanced":
        return balanced_test_sets(audio_y, audio_split == "test", image_y, image_split == "test", classes)
    return (np.flatnonzero((audio_split == "test") & np.isin(audio_y, classes)),
            np.flatnonzero((image_split == "test") & np.isin(image_y, classes)))


def sweep(features, audio_y, audio_split, image_y, image_split, args, start):
    """Unseen-class retrieval over many class splits and seeds (``--sweep``).

    Every pair of digits 1-9 unseen (the other seven seen, 36 splits) and seen 0-6 / unseen 7-9;
    per split and seed: one chip, and, per ``--sweep-methods``, the contrastive heads trained
    and selected on the seen classes exactly as the main run (``heads``) or the seen-class score
    embedding with ``C`` chosen on seen validation (``class-scores``). ``features(kind, seed)``
    returns (image, audio) spike counts. Results are keyed ``"kind/method"``.
    """
    out = {}
    for kind in args.sweep_kinds.split(","):
        for method in args.sweep_methods.split(","):
            rows = []
            for name in ("pairs", "triple"):
                for seen, unseen in class_splits(name):
                    for seed in range(args.sweep_seeds):
                        fi, fa = features(kind, seed)
                        row = {"split": name, "unseen": list(unseen), "seed": seed}
                        if method == "heads":
                            model, info = train_heads(fa, audio_y, audio_split, fi, image_y, image_split,
                                                      variants(args), seen=seen, random_state=seed)
                            row.update(weight_decay=info["variant"]["weight_decay"], epoch=info["epoch"])
                        elif method == "class-scores":
                            model, info = train_class_scores(fa, audio_y, audio_split, fi, image_y, image_split,
                                                             seen=seen)
                            row.update(C=info["C"])
                        else:
                            raise ValueError(f"--sweep-methods: unknown method {method!r}")
                        for part, classes in (("seen", seen), ("unseen", unseen)):
                            a, i = test_sets(audio_y, audio_split, image_y, image_split, classes, args.gallery)
                            r = evaluate_retrieval(model, fa[a], audio_y[a], fi[i], image_y[i])
                            row.update({f"{part}_a2i": r["a2i"], f"{part}_i2a": r["i2a"]})
                        rows.append(row)
                print(f"  sweep {kind:9} {method:12} {name:6} done | {time.perf_counter() - start:.0f} s", flush=True)
            out[f"{kind}/{method}"] = {"runs": rows, "summary": sweep_summary(rows)}
    return out


def sweep_summary(rows):
    """Medians [IQR] over all runs, the split medians over seeds, and a two-sided Wilcoxon
    signed-rank test of the 36 pair medians against chance 0.5."""
    result = {}
    for name, unseen_chance in (("pairs", 0.5), ("triple", 1 / 3)):
        mine = [r for r in rows if r["split"] == name]
        for key in ("unseen_a2i", "unseen_i2a", "seen_a2i"):
            values = np.array([r[key] for r in mine])
            by_split = {}
            for r in mine:
                by_split.setdefault(tuple(r["unseen"]), []).append(r[key])
            medians = np.array([np.median(v) for v in by_split.values()])
            chance = 1 / 7 if key.startswith("seen") else unseen_chance  # both splits have seven seen classes
            entry = dict(summary(values), chance=chance, runs=len(values),
                         fraction_of_runs_above_chance=float(np.mean(values > chance)))
            del entry["per_seed"]
            if name == "pairs":
                entry.update(split_medians={"-".join(map(str, k)): float(np.median(v)) for k, v in by_split.items()},
                             splits_above_chance=int(np.sum(medians > chance)), n_splits=len(medians),
                             median_of_split_medians=float(np.median(medians)),
                             within_split_seed_sd=float(np.median([np.std(v) for v in by_split.values()])),
                             between_split_sd=float(np.std(medians)))
                if key != "seen_a2i":
                    entry["wilcoxon_p_split_medians_vs_chance"] = float(wilcoxon(medians - chance).pvalue)
            result[f"{name}_{key}"] = entry
    return result


def rnn_reference(audio_x, audio_y, audio_split, image_x, image_y, image_split, args, start):
    """The trained upper reference: GRU encoders (CLIP) and GRU classifiers, selected on validation."""
    def sel(split, labels, name, classes):
        return (split == name) & np.isin(labels, classes)

    tra, tri = sel(audio_split, audio_y, "train", SEEN), sel(image_split, image_y, "train", SEEN)
    vaa, vai = sel(audio_split, audio_y, "val", SEEN), sel(image_split, image_y, "val", SEEN)

    def score(model):
        r = evaluate_retrieval(model, audio_x[vaa], audio_y[vaa], image_x[vai], image_y[vai])
        return 0.5 * (r["a2i"] + r["i2a"])

    rows = []
    for seed in range(args.seeds):
        clip = GRUContrastive(epochs=args.rnn_epochs, random_state=seed)
        clip.fit(audio_x[tra], audio_y[tra], image_x[tri], image_y[tri], validation=score)
        row = {"epoch": clip.best_epoch_}
        for name, classes in (("seen", SEEN), ("unseen", UNSEEN)):
            a, i = test_sets(audio_y, audio_split, image_y, image_split, classes, args.gallery)
            r = evaluate_retrieval(clip, audio_x[a], audio_y[a], image_x[i], image_y[i])
            row.update({f"{name}_{k}": v for k, v in r.items()})
        for modality, x, y, split in (("image", image_x, image_y, image_split), ("audio", audio_x, audio_y, audio_split)):
            val = split == "val"
            clf = GRUClassifier(epochs=args.rnn_epochs, random_state=seed)
            clf.fit(x[split == "train"], y[split == "train"], validation=lambda c: c.score(x[val], y[val]))
            row[f"supervised_{modality}"] = clf.score(x[split == "test"], y[split == "test"])
        rows.append(row)
        print(f"  GRU       seed {seed}: a2i seen {row['seen_a2i']:.3f} unseen {row['unseen_a2i']:.3f} | i2a seen "
              f"{row['seen_i2a']:.3f} unseen {row['unseen_i2a']:.3f} | supervised img {row['supervised_image']:.3f} "
              f"aud {row['supervised_audio']:.3f} | {time.perf_counter() - start:.0f} s", flush=True)
    return {"seen_top1": float(np.median([r["seen_a2i"] for r in rows])),
            "unseen_top1": float(np.median([r["unseen_a2i"] for r in rows])),
            "seen_top1_i2a": float(np.median([r["seen_i2a"] for r in rows])),
            "unseen_top1_i2a": float(np.median([r["unseen_i2a"] for r in rows])),
            "detail": {k: summary([r[k] for r in rows]) for k in rows[0]}}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--json", default=None)
    parser.add_argument("--rnn", action="store_true", help="also train the GRU reference (end to end)")
    parser.add_argument("--rnn-epochs", type=int, default=20)
    parser.add_argument("--gallery", choices=("balanced", "all"), default="balanced",
                        help="test sets: as many images as utterances per class (the authors'), or every test item")
    parser.add_argument("--losses", choices=("both", "dot"), default="both",
                        help="choose between dot/1 and cosine/0.1 on validation, or dot/1 only (the authors')")
    parser.add_argument("--dim", type=int, default=64, help="embedding size of the heads")
    parser.add_argument("--weight-decays", default="0", type=lambda text: [float(w) for w in text.split(",")],
                        help="comma-separated AdamW weight decays to choose from on seen validation (0: Adam)")
    parser.add_argument("--sweep", action="store_true",
                        help="also every pair of unseen digits 1-9 and seen 0-6 / unseen 7-9, over --sweep-seeds")
    parser.add_argument("--sweep-seeds", type=int, default=5)
    parser.add_argument("--sweep-kinds", default="software,resistive")
    parser.add_argument("--sweep-methods", default="heads,class-scores",
                        help="heads (contrastive, as the main run) and/or class-scores (seen-class score embedding)")
    args = parser.parse_args()
    start = time.perf_counter()

    digits = load_digits()
    image_x, image_events = digit_events(digits.images, random_state=0)
    image_y = digits.target
    audio = load_spoken_digits()
    audio_x, audio_y = spoken_digit_inputs(audio), audio["labels"].astype(int)
    audio_events = np.diff(audio["offsets"])
    audio_ms = np.array([audio["times_ms"][a:b].max() for a, b in zip(audio["offsets"][:-1], audio["offsets"][1:])])
    image_split = stratified_split(image_y, random_state=0)
    audio_split = group_split(audio["speakers"], random_state=0)
    data = {"image_events_per_sample": summary(image_events)["median"],
            "image_events_iqr": summary(image_events)["iqr"], "image_duration_ms": 300,
            "audio_events_per_sample": float(np.median(audio_events)),
            "audio_events_iqr": summary(audio_events)["iqr"], "audio_duration_ms_median": float(np.median(audio_ms)),
            "image_input_density": float(image_x.mean()), "audio_input_density": float(audio_x.mean()),
            "n_images": len(image_y), "n_utterances": len(audio_y),
            "split_sizes": {m: {k: int((s == k).sum()) for k in ("train", "val", "test")}
                            for m, s in (("image", image_split), ("audio", audio_split))}}
    print(f"data: {len(image_y)} digits, {np.median(image_events):.0f} events each over 300 ms; "
          f"{len(audio_y)} utterances, {np.median(audio_events):.0f} events over {np.median(audio_ms):.0f} ms "
          f"(medians); {time.perf_counter() - start:.0f} s")

    def supervised(features, labels, split):
        return logistic(features[split == "train"], labels[split == "train"], features[split == "test"],
                        labels[split == "test"])

    # Weight scales: supervised validation accuracy of the first software chip.
    scales, cache = {}, {}
    for modality, x, y, split in (("image", image_x, image_y, image_split), ("audio", audio_x, audio_y, audio_split)):
        best = -1.0
        for scale in SCALES[modality]:
            f = spike_counts(encoder("software", modality, scale, 0), x)
            cache[(modality, scale)] = f
            acc = logistic(f[split == "train"], y[split == "train"], f[split == "val"], y[split == "val"])
            print(f"  {modality} weight scale {scale}: validation accuracy {acc:.3f}")
            if acc > best:
                best, scales[modality] = acc, scale
    print(f"weight scales chosen on validation: {scales}; {time.perf_counter() - start:.0f} s")

    chips = {}

    def features(kind, seed):
        """(image, audio) spike counts of one chip, computed once."""
        if kind == "software" and seed == 0:
            return cache[("image", scales["image"])], cache[("audio", scales["audio"])]
        if (kind, seed) not in chips:
            chips[(kind, seed)] = (spike_counts(encoder(kind, "image", scales["image"], seed), image_x),
                                   spike_counts(encoder(kind, "audio", scales["audio"], seed), audio_x))
        return chips[(kind, seed)]

    floors = {"image": supervised(image_x.sum(1), image_y, image_split),
              "audio": supervised(audio_x.sum(1), audio_y, audio_split)}
    results, rates = {}, {}
    for kind in ("software", "resistive", "grid"):
        rows = []
        for seed in range(args.seeds):
            fi, fa = features(kind, seed)
            rates[kind] = (fi.mean() / image_x.shape[1], fa.mean() / audio_x.shape[1])
            # Diagnostic only: the test unseen accuracy of every epoch, to show what the authors'
            # selection of checkpoints on the test set would report. Selection uses validation.
            ua, ui = test_sets(audio_y, audio_split, image_y, image_split, UNSEEN, args.gallery)
            trace = []
            heads, info = train_heads(fa, audio_y, audio_split, fi, image_y, image_split,
                                      variants(args), random_state=seed,
                                      monitor=lambda h: trace.append(
                                          evaluate_retrieval(h, fa[ua], audio_y[ua], fi[ui], image_y[ui])["a2i"]))
            row = {"supervised_image": supervised(fi, image_y, image_split),
                   "weight_decay": info["variant"]["weight_decay"],
                   "supervised_audio": supervised(fa, audio_y, audio_split), "epoch": info["epoch"],
                   "variant": "cosine/0.1" if info["variant"].get("normalize") else "dot/1",
                   "val_score": info["val_score"], "unseen_a2i_selected_on_test": float(np.max(trace))}
            for name, classes in (("seen", SEEN), ("unseen", UNSEEN)):
                a, i = test_sets(audio_y, audio_split, image_y, image_split, classes, args.gallery)
                r = evaluate_retrieval(heads, fa[a], audio_y[a], fi[i], image_y[i])
                row.update({f"{name}_{k}": v for k, v in r.items()})
            for modality, f, y, split, embed in (("image", fi, image_y, image_split, heads.transform_b),
                                                  ("audio", fa, audio_y, audio_split, heads.transform_a)):
                z = embed(f)
                row[f"probe_{modality}"] = supervised(z, y, split)
                u = np.isin(y, UNSEEN)
                row[f"probe_unseen_{modality}"] = supervised(z[u], y[u], split[u])
            rows.append(row)
            print(f"  {kind:9} seed {seed}: a2i seen {row['seen_a2i']:.3f} unseen {row['unseen_a2i']:.3f} | "
                  f"i2a seen {row['seen_i2a']:.3f} unseen {row['unseen_i2a']:.3f} | supervised img "
                  f"{row['supervised_image']:.3f} aud {row['supervised_audio']:.3f} | {row['variant']} ep "
                  f"{row['epoch']} | {time.perf_counter() - start:.0f} s", flush=True)
        results[kind] = {
            "seen_top1": float(np.median([r["seen_a2i"] for r in rows])),
            "unseen_top1": float(np.median([r["unseen_a2i"] for r in rows])),
            "seen_top1_i2a": float(np.median([r["seen_i2a"] for r in rows])),
            "unseen_top1_i2a": float(np.median([r["unseen_i2a"] for r in rows])),
            "detail": {k: summary([r[k] for r in rows]) for k in rows[0] if k != "variant"},
            "variants": [r["variant"] for r in rows],
        }

    sweeps = sweep(features, audio_y, audio_split, image_y, image_split, args, start) if args.sweep else None
    if args.rnn:
        results["rnn"] = rnn_reference(audio_x, audio_y, audio_split, image_x, image_y, image_split, args, start)

    mean_g = ResistiveLSM().p_formed * ResistiveLSM().g_on_mean_uS
    out = {
        "software": results["software"], "resistive": results["resistive"], "grid_lsm": results["grid"],
        "rnn_gru": results.get("rnn"), "gallery": args.gallery, "weight_decays": args.weight_decays,
        "losses": args.losses, "dim": args.dim, "sweep": sweeps,
        "floors_raw_event_counts": floors, "weight_scales": scales, "data": data, "paper": PAPER,
        "energy_per_inference": {
            "image": energy_per_inference(image_x.shape[2], image_x.shape[1], float(image_x.mean()),
                                          rates["resistive"][0], mean_g),
            "audio": energy_per_inference(audio_x.shape[2], audio_x.shape[1], float(audio_x.mean()),
                                          rates["resistive"][1], mean_g)},
        "chance": {"seen": 1 / len(SEEN), "unseen": 1 / len(UNSEEN)}, "seeds": args.seeds,
        "seconds": time.perf_counter() - start,
    }
    print(f"\ntop-1 retrieval, median over {args.seeds} seeds [IQR] (chance: seen 0.14, unseen 0.50)")
    print(f"{'encoder':22} {'a2i seen':>16} {'a2i unseen':>16} {'i2a seen':>16} {'i2a unseen':>16}")
    for kind, label in (("software", "software LSM"), ("resistive", "resistive LSM"), ("grid", "reservoir.LSM (grid)")):
        d = results[kind]["detail"]
        cells = [f"{d[k]['median']:.3f} [{d[k]['iqr'][0]:.2f},{d[k]['iqr'][1]:.2f}]"
                 for k in ("seen_a2i", "unseen_a2i", "seen_i2a", "unseen_i2a")]
        print(f"{label:22} " + " ".join(f"{c:>16}" for c in cells))
    if "rnn" in results:
        d = results["rnn"]["detail"]
        cells = [f"{d[k]['median']:.3f} [{d[k]['iqr'][0]:.2f},{d[k]['iqr'][1]:.2f}]"
                 for k in ("seen_a2i", "unseen_a2i", "seen_i2a", "unseen_i2a")]
        print(f"{'GRU CLIP (trained)':22} " + " ".join(f"{c:>16}" for c in cells))
    print(f"{'paper SRNN CLIP':22} {0.823:16.3f} {0.740:16.3f}")
    print(f"{'paper software':22} {0.661:16.3f} {0.880:16.3f}\n{'paper resistive':22} {0.674:16.3f} {0.875:16.3f}")
    print("\nsupervised accuracy (10 digits) and linear probes of the 64-d embeddings, medians")
    for kind in ("software", "resistive", "grid"):
        d = results[kind]["detail"]
        print(f"  {kind:9} supervised image {d['supervised_image']['median']:.3f} audio "
              f"{d['supervised_audio']['median']:.3f} | probe image {d['probe_image']['median']:.3f} audio "
              f"{d['probe_audio']['median']:.3f} | probe 8 vs 9 image {d['probe_unseen_image']['median']:.3f} "
              f"audio {d['probe_unseen_audio']['median']:.3f}")
    if "rnn" in results:
        d = results["rnn"]["detail"]
        print(f"  GRU (trained end to end) supervised image {d['supervised_image']['median']:.3f} audio "
              f"{d['supervised_audio']['median']:.3f}; paper RNN N-MNIST 0.962, N-TIDIGITS 0.755")
    for kind in ("software", "resistive"):
        d = results[kind]["detail"]["unseen_a2i_selected_on_test"]
        print(f"  {kind}: unseen a2i if the epoch were picked on the test set (the authors' selection): "
              f"median {d['median']:.3f}, per seed {[round(v, 3) for v in d['per_seed']]}")
    print(f"  floors (logistic on raw event counts): image {floors['image']:.3f} audio {floors['audio']:.3f}; "
          f"paper LSM N-MNIST 0.891/0.897, N-TIDIGITS 0.708/0.701")
    for modality, e in out["energy_per_inference"].items():
        print(f"  energy/inference {modality}: resistive LSM {e['resistive_lsm_J'] * 1e9:.2f} nJ, digital dense "
              f"{e['digital_lsm_dense_fp32_J'] * 1e9:.1f} nJ ({e['ratio_dense_over_resistive']:.0f}x), event-driven "
              f"{e['digital_lsm_event_driven_fp32_J'] * 1e9:.1f} nJ ({e['ratio_event_driven_over_resistive']:.0f}x), "
              f"dense int8 {e['digital_lsm_dense_int8_J'] * 1e9:.1f} nJ; head {e['projection_head_fp32_J'] * 1e9:.2f} nJ")
    if sweeps:
        print(f"\nunseen-class sweep ({args.gallery} test sets): 36 unseen pairs of digits 1-9 x {args.sweep_seeds} seeds, "
              f"and seen 0-6 / unseen 7-9 x {args.sweep_seeds} seeds; medians [IQR] over runs")
        for kind, sw in sweeps.items():
            for key in ("unseen_a2i", "unseen_i2a", "seen_a2i"):
                p, t = sw["summary"][f"pairs_{key}"], sw["summary"][f"triple_{key}"]
                test = (f", Wilcoxon p {p['wilcoxon_p_split_medians_vs_chance']:.2g}"
                        if "wilcoxon_p_split_medians_vs_chance" in p else "")
                print(f"  {kind:22} {key:10} pairs {p['median']:.3f} [{p['iqr'][0]:.2f},{p['iqr'][1]:.2f}] "
                      f"(runs > chance {p['fraction_of_runs_above_chance']:.2f}; pair medians > chance "
                      f"{p['splits_above_chance']}/{p['n_splits']}{test}) | 7-9 {t['median']:.3f} "
                      f"[{t['iqr'][0]:.2f},{t['iqr'][1]:.2f}] (chance {t['chance']:.2f})")
            p = sw["summary"]["pairs_unseen_a2i"]
            print(f"  {kind:22} a2i seed spread within a pair (sd, median) {p['within_split_seed_sd']:.3f}; "
                  f"spread of pair medians {p['between_split_sd']:.3f}; 8-9 {p['split_medians']['8-9']:.3f}")
    print(f"total {out['seconds']:.0f} s")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(out, fh, indent=1)


if __name__ == "__main__":
    main()
