"""PyTorch reference for nnkit's training example (examples/train.ts --data fashion-mnist).

The same recipe, step for step: features standardized with the training split's mean and
population std (a zero-variance pixel keeps std 1, as nnkit's Standardizer does), a
784-512-256-10 MLP with BatchNorm, ReLU and dropout 0.2 (keepProb 0.8) after each hidden layer,
He (Kaiming normal) initialization, SGD with momentum 0.9, learning rate 0.05 on a cosine
schedule over the run (per step), weight decay 5e-4 (--weight-decay; the example's λ), batch 128, 15 epochs; the last 5000
training rows are held out for validation, as in the nnkit example. Run with Debian's
interpreter: /usr/bin/python3 bench/torch_fashion_mnist.py [--epochs N] [--threads N].
"""
import argparse
import gzip
import math
import os
import struct
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DIR = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    rank = data[3]
    dims = struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def load(split, directory):
    prefix = "train" if split == "train" else "t10k"
    x = read_idx(os.path.join(directory, prefix + "-images-idx3-ubyte.gz")).reshape(-1, 784).astype(np.float32)
    y = read_idx(os.path.join(directory, prefix + "-labels-idx1-ubyte.gz")).astype(np.int64)
    return x, y


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dir", default=DIR)
    parser.add_argument("--val", type=int, default=5000)
    parser.add_argument("--weight-decay", type=float, default=5e-4)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    x_full, y_full = load("train", args.dir)
    x_test, y_test = load("test", args.dir)
    n = len(x_full) - args.val
    x_train, y_train, x_val, y_val = x_full[:n], y_full[:n], x_full[n:], y_full[n:]
    mean = x_train.mean(0)
    std = x_train.std(0)
    std[std == 0] = 1.0
    x_train = torch.from_numpy((x_train - mean) / std)
    x_test = torch.from_numpy((x_test - mean) / std)
    x_val = torch.from_numpy((x_val - mean) / std)
    y_train, y_test, y_val = torch.from_numpy(y_train), torch.from_numpy(y_test), torch.from_numpy(y_val)

    model = nn.Sequential(
        nn.Linear(784, 512), nn.BatchNorm1d(512), nn.ReLU(), nn.Dropout(0.2),
        nn.Linear(512, 256), nn.BatchNorm1d(256), nn.ReLU(), nn.Dropout(0.2),
        nn.Linear(256, 10),
    )
    for m in model:
        if isinstance(m, nn.Linear):
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
            nn.init.zeros_(m.bias)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, weight_decay=args.weight_decay)
    steps_per_epoch = len(x_train) // args.batch  # whole batches, as in the nnkit example
    total = steps_per_epoch * args.epochs
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: 0.5 * (1 + math.cos(math.pi * s / total)))

    start = time.perf_counter()
    for epoch in range(args.epochs):
        epoch_start = time.perf_counter()
        model.train()
        order = torch.randperm(len(x_train))
        loss_sum = 0.0
        for i in range(steps_per_epoch):
            idx = order[i * args.batch:(i + 1) * args.batch]
            loss = F.cross_entropy(model(x_train[idx]), y_train[idx])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            scheduler.step()
            loss_sum += loss.item()
        model.eval()
        with torch.no_grad():
            val_acc = (model(x_val).argmax(1) == y_val).float().mean().item()
        print("epoch %2d  loss %.4f  val acc %.4f  %.1f s" % (epoch + 1, loss_sum / steps_per_epoch, val_acc,
                                                              time.perf_counter() - epoch_start), flush=True)
    elapsed = time.perf_counter() - start
    with torch.no_grad():
        test_acc = (model(x_test).argmax(1) == y_test).float().mean().item()
    print("PyTorch %s, %d threads: test accuracy %.4f in %.1f s (%.2f s per epoch)" % (
        torch.__version__, args.threads, test_acc, elapsed, elapsed / args.epochs))


if __name__ == "__main__":
    main()
