"""Prometheus metrics of one app instance (its own registry, so apps in tests do not collide). Under `adrisk
serve --workers N` every process writes its figures to files in PROMETHEUS_MULTIPROC_DIR (prometheus_client's
multiprocess mode, which api.workers sets up), and a scrape of any one process reports the sum over all of them.
"""
from __future__ import annotations

import os

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"

_ROUTES = {"/score", "/score/batch", "/health", "/model", "/metrics"}


class Metrics:
    """Request counts, latency histogram and scores by risk band."""

    def __init__(self):
        self.registry = CollectorRegistry()
        self.requests = Counter("adrisk_requests", "HTTP requests", ["path", "status"], registry=self.registry)
        self.latency = Histogram("adrisk_request_seconds", "Request latency", ["path"], registry=self.registry,
                                 buckets=(0.001, 0.0025, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.25, 0.5, 1, 2.5))
        self.scores = Counter("adrisk_scores", "Texts scored, by risk band", ["risk"], registry=self.registry)
        self.scoring = Histogram("adrisk_scoring_seconds", "Model time per request", registry=self.registry)

    def observe_request(self, path: str, status: int, seconds: float) -> None:
        path = path if path in _ROUTES else "other"
        self.requests.labels(path, str(status)).inc()
        self.latency.labels(path).observe(seconds)

    def observe_scores(self, risks: list[str], seconds: float) -> None:
        for r in risks:
            self.scores.labels(r).inc()
        self.scoring.observe(seconds)

    def render(self) -> tuple[bytes, str]:
        registry = self.registry
        if os.environ.get(MULTIPROCESS_DIR):
            registry = CollectorRegistry()
            MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
