"""Tasks (dataset + split + protocol + metrics, versioned) and the suites that group them."""

from genbench.tasks.spec import SUITE_BASELINES, SUITES, TASKS, ImageTask, StyleTask, suite_tasks

__all__ = ["ImageTask", "StyleTask", "TASKS", "SUITES", "SUITE_BASELINES", "suite_tasks"]
