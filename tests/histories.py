"""Made-up learning curves for the tests of plots and summaries: two depths x two dropout rates."""

from __future__ import annotations

import pandas as pd


def fake_history():
    rows = []
    for depth, rise in ((1, 0.0), (9, 0.5)):
        for dropout in (0.0, 0.2):
            for epoch in range(1, 7):
                val_loss = 1.0 / epoch + (rise * max(0, epoch - 3))
                rows.append(
                    dict(
                        name=f"d{depth} p{dropout}",
                        depth=depth,
                        dropout=dropout,
                        epoch=epoch,
                        loss=1.0 / epoch,
                        accuracy=0.8 + 0.03 * epoch,
                        val_loss=val_loss,
                        val_accuracy=0.75 + 0.01 * epoch,
                    )
                )
    return pd.DataFrame(rows)


def seeded_history():
    frames = []
    for seed, shift in ((0, 0.0), (1, 0.1), (2, 0.2)):
        frame = fake_history()
        frame["seed"] = seed
        frame["val_loss"] += shift
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)
