"""Starts content screening's segmenter with the tasks service's container (jieba's
dictionary takes a second to load: once per process, before the first task arrives),
taught the default catalogue's and negative list's words; the catalogue in the database
teaches it the rest when the suggester's index is built."""

from __future__ import annotations

from nameko.extensions import DependencyProvider

from services.tasks.taskflow import negative_list
from services.tasks.taskflow.catalogue_default import default_matters
from services.tasks.taskflow.screening import matter_terms
from services.tasks.taskflow.segmenter import SEGMENTER


class ScreeningSegmenter(DependencyProvider):
    def setup(self) -> None:
        words = [w for m in default_matters() for w in matter_terms(m)]
        words += [k for rule in negative_list.load_default() for k in rule["keywords"]]
        SEGMENTER.start(words)

    def get_dependency(self, worker_ctx):
        return SEGMENTER
