"""Baseline models shipped with genbench for the digits tasks.

Each family lives in one module and plugs in through genbench's public API only: a ``load(device)``
entry point (``genbench.models``) returning an ``nn.Module`` with the capabilities it offers, and a
``Recipe`` (``genbench.recipes``) that retrains it from a seed on ``digits/train`` and writes the
weights and model card under ``weights/``.

- ``dcgan``     — a small DCGAN (sample).
- ``vae``       — a convolutional VAE (sample, reconstruct).
- ``pixelcnn``  — a PixelCNN with a 17-way softmax per pixel (sample, exact log_prob).
- ``cgan``      — a class-conditional GAN (sample_labels).
- ``cvae``      — a class-conditional VAE (sample_labels).
- ``brackets``  — ``real-train`` (the ceiling: train images, also per class) and ``pixel-noise``
  (the floor: independent per-pixel categoricals; sample, exact log_prob).
"""
