"""Command line: `python -m model_training STAGE`, one stage of training (see --help)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from model_training.config import TrainingConfig


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    parser = argparse.ArgumentParser(prog="python -m model_training", description=__doc__)
    parser.add_argument(
        "stage",
        choices=[
            "convert",
            "features",
            "train",
            "finetune",
            "finetune-real",
            "interpolate",
            "soup",
            "export",
            "adaptation",
            "evaluate",
            "gate",
            "int8",
        ],
    )
    parser.add_argument("--variant", default="lite0")
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--first-block", type=int, default=12)
    parser.add_argument("--views", type=int, default=None, help="augmented train views to cache")
    parser.add_argument("--data-root", type=Path, default=Path("/tmp/intel"))
    parser.add_argument("--cache-root", type=Path, default=Path("/tmp/cene-cache"))
    parser.add_argument("--epochs", type=int, default=None, help="finetune: 8; finetune-real: 3")
    parser.add_argument("--run", default="finetune", help="name of the fine-tuning run")
    parser.add_argument(
        "--source",
        default="head",
        help="export: which trained weights ('head' or a fine-tuning run name)",
    )
    parser.add_argument("--model-dir", type=Path, default=None)
    parser.add_argument(
        "--real-photos",
        type=Path,
        default=None,
        help="gate: the fit split of the real-photo set (benchmarks/lay_out_real_photos.py)",
    )
    parser.add_argument(
        "--calibration-per-class",
        type=int,
        default=50,
        help="int8: Intel training photos per scene that calibrate the quantisation",
    )
    parser.add_argument("--seed", type=int, default=0, help="finetune: random seed")
    parser.add_argument(
        "--lr",
        type=float,
        default=None,
        help="peak learning rate: finetune 4e-4, finetune-real 1e-4",
    )
    parser.add_argument(
        "--real-per-batch", type=int, default=8, help="finetune-real: real views in each 64"
    )
    parser.add_argument(
        "--others-per-batch",
        type=int,
        default=0,
        help="finetune-real: views of real photos of no scene in each 64, trained towards no scene",
    )
    parser.add_argument(
        "--distill",
        type=float,
        default=0.0,
        help="finetune-real: weight of the starting model's own predictions in the Intel targets",
    )
    parser.add_argument(
        "--alphas", default="0.3,0.5,0.7", help="interpolate: comma-separated weights of the run"
    )
    parser.add_argument("--runs", default="", help="soup: comma-separated runs to average")
    parser.add_argument(
        "--model-version", default=None, help="export, adaptation: version in metadata.json"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(name)s %(message)s", stream=sys.stderr
    )

    config = TrainingConfig(
        variant=args.variant,
        input_size=args.size,
        first_block=args.first_block,
        data_root=args.data_root,
        cache_root=args.cache_root,
    )
    if args.model_dir is not None:
        config.model_dir = args.model_dir

    if args.stage == "convert":
        from model_training import convert

        convert.main(config)
    elif args.stage == "features":
        from model_training import pipeline

        pipeline.cache_features(config, args.views)
    elif args.stage == "train":
        from model_training import train

        train.train_head(config)
    elif args.stage == "finetune":
        from model_training import train

        train.finetune(
            config,
            run=args.run,
            epochs=args.epochs or 8,
            seed=args.seed,
            learning_rate=args.lr or 4e-4,
        )
    elif args.stage in ("finetune-real", "interpolate"):
        from model_training import real_finetune

        if args.stage == "interpolate":
            alphas = [float(a) for a in args.alphas.split(",")]
            print(real_finetune.interpolate(config, args.run, alphas))
        elif args.real_photos is None:
            parser.error("finetune-real needs --real-photos DIR (the fit split)")
        else:
            real_finetune.finetune_real(
                config,
                args.real_photos,
                args.run,
                epochs=args.epochs or 3,
                learning_rate=args.lr or 1e-4,
                real_per_batch=args.real_per_batch,
                seed=args.seed,
                distill=args.distill,
                others_per_batch=args.others_per_batch,
            )
    elif args.stage == "soup":
        from model_training import train

        train.average_runs(config, args.runs.split(","), args.run)
    elif args.stage == "export":
        from model_training import export

        export.export(config, source=args.source, version=args.model_version)
    elif args.stage == "adaptation":
        from model_training import adaptation

        adaptation.build(config, version=args.model_version)
    elif args.stage == "gate":
        from model_training import gate

        if args.real_photos is None:
            parser.error("the gate stage needs --real-photos DIR (the fit split)")
        gate.build(config, args.real_photos)
    elif args.stage == "int8":
        from model_training import quantize

        quantize.build(config, per_class=args.calibration_per_class)
    elif args.stage == "evaluate":
        from model_training import evaluate

        evaluate.write_report(config)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
