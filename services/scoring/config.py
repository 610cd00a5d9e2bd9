"""The formula configuration (config/scoring.yaml): loaded, validated, refused when wrong.

`load_config(path)` returns a `ScoringConfig` or raises `ConfigError` whose message says,
in Chinese and English, what is wrong and where. The service loads it when its container
starts, so a bad file stops the service before it scores anything.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import yaml
from marshmallow import RAISE, ValidationError, validates_schema

from common.config import ROOT
from common.contracts import fields, validate
from common.contracts.base import Schema
from services.scoring.domain import ENTITY_KINDS, FORMULA_ARITY, MEASURES, NORMALISATIONS

DEFAULT_PATH = ROOT / "config" / "scoring.yaml"
COMPOSITES = ("pioneer", "fortress", "service")


class ConfigError(Exception):
    """A configuration the service refuses: `.errors` maps each place to its messages."""

    def __init__(self, path: str, errors: dict | str):
        self.path, self.errors = path, errors
        super().__init__(f"评分配置无效 / invalid scoring configuration ({path}): {errors}")


def _weights_sum_to_one(weights: dict, where: str) -> None:
    total = sum(weights.values())
    if not math.isclose(total, 1.0, abs_tol=1e-9):
        raise ValidationError(f"权重之和应为 1,实为 {total:g} / weights must sum to 1, got {total:g}", where)


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class NormalisationSchema(_Strict):
    method = fields.String(
        required=True,
        validate=validate.OneOf(
            NORMALISATIONS, error="未知的归一化方法 {input} / unknown normalisation {input}"
        ),
    )
    target = fields.Float(validate=validate.Range(min=0, min_inclusive=False))
    best = fields.Float()
    worst = fields.Float()
    min = fields.Float()
    max = fields.Float()

    @validates_schema
    def _parameters(self, data, **kwargs):
        method = data.get("method")
        needed = {"target": ("target",), "lower_better": ("best", "worst"), "range": ("min", "max")}.get(
            method, ()
        )
        missing = [name for name in needed if name not in data]
        if missing:
            raise ValidationError(f"{method} 缺少参数 {missing} / {method} needs {missing}")
        if method == "lower_better" and data["worst"] <= data["best"]:
            raise ValidationError("worst 应大于 best / worst must be greater than best")
        if method == "range" and data["max"] <= data["min"]:
            raise ValidationError("max 应大于 min / max must be greater than min")


class IndicatorSchema(_Strict):
    label = fields.String(required=True)
    group = fields.String(required=True)
    formula = fields.String(
        required=True,
        validate=validate.OneOf(list(FORMULA_ARITY), error="未知的公式 {input} / unknown formula {input}"),
    )
    measures = fields.List(
        fields.String(
            validate=validate.OneOf(MEASURES, error="未知的计量 {input} / unknown measure {input}")
        ),
        required=True,
    )
    normalisation = fields.Nested(NormalisationSchema, required=True)
    requires = fields.String(
        validate=validate.OneOf(MEASURES, error="未知的计量 {input} / unknown measure {input}")
    )

    @validates_schema
    def _arity(self, data, **kwargs):
        need = FORMULA_ARITY.get(data.get("formula"))
        if need is not None and len(data.get("measures", [])) != need:
            raise ValidationError(
                f"公式 {data['formula']} 需要 {need} 个计量 / formula {data['formula']} takes {need} measures",
                "measures",
            )


class DimensionSchema(_Strict):
    label = fields.String(required=True)
    weight = fields.Float(required=True, validate=validate.Range(min=0))
    indicators = fields.List(fields.String(), required=True, validate=validate.Length(min=1))


class IndexSchema(_Strict):
    label = fields.String(required=True)
    entities = fields.List(fields.String(validate=validate.OneOf(ENTITY_KINDS)), required=True)
    weights = fields.Dict(keys=fields.String(), values=fields.Float(validate=validate.Range(min=0)))
    components = fields.Dict(keys=fields.String(), values=fields.Float(validate=validate.Range(min=0)))
    dimensions = fields.Dict(keys=fields.String(), values=fields.Nested(DimensionSchema))


class ThresholdsSchema(_Strict):
    green = fields.Float(required=True, validate=validate.Range(min=0, max=100))
    yellow = fields.Float(required=True, validate=validate.Range(min=0, max=100))

    @validates_schema
    def _order(self, data, **kwargs):
        if data["yellow"] > data["green"]:
            raise ValidationError("yellow 不能高于 green / yellow must not exceed green")


class ListsSchema(_Strict):
    size = fields.Integer(required=True, validate=validate.Range(min=1, max=200))


class AlertsSchema(_Strict):
    below = fields.Float(required=True, validate=validate.Range(min=0, max=100))
    rank_drop = fields.Integer(required=True, validate=validate.Range(min=1))


class PraiseSchema(_Strict):
    top_rating = fields.Integer(required=True, validate=validate.Range(min=1, max=5))
    min_ratings = fields.Integer(required=True, validate=validate.Range(min=1))


INDEX_NAMES = ("pioneer", "fortress", "service", "three_links", "lead_goose")


class ConfigSchema(_Strict):
    version = fields.Integer(required=True, validate=validate.Equal(1))
    groups = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    indicators = fields.Dict(keys=fields.String(), values=fields.Nested(IndicatorSchema), required=True)
    indices = fields.Dict(
        keys=fields.String(
            validate=validate.OneOf(INDEX_NAMES, error="未知的指数 {input} / unknown index {input}")
        ),
        values=fields.Nested(IndexSchema),
        required=True,
    )
    grid_colours = fields.Nested(ThresholdsSchema, required=True)
    lists = fields.Nested(ListsSchema, required=True)
    alerts = fields.Nested(AlertsSchema, required=True)
    praise = fields.Nested(PraiseSchema, required=True)

    @validates_schema
    def _references(self, data, **kwargs):
        indicators, indices = data.get("indicators", {}), data.get("indices", {})
        for name, spec in indicators.items():
            if spec["group"] not in data.get("groups", {}):
                raise ValidationError(
                    f"指标 {name} 的分组 {spec['group']} 未定义 / unknown group {spec['group']}", "indicators"
                )
        missing = [name for name in INDEX_NAMES if name not in indices]
        if missing:
            raise ValidationError(f"缺少指数 {missing} / missing indices {missing}", "indices")
        for name, spec in indices.items():
            where = f"indices.{name}"
            if name == "three_links":
                parts = spec.get("components") or {}
                unknown = [c for c in parts if c not in COMPOSITES]
                if unknown or not parts:
                    raise ValidationError(
                        f"三联指数的组成未知或为空 {unknown} / unknown or empty components {unknown}", where
                    )
                _weights_sum_to_one(parts, where)
            elif name == "lead_goose":
                dims = spec.get("dimensions") or {}
                if len(dims) != 6:
                    raise ValidationError(
                        f"领雁指数应有 6 个维度,实有 {len(dims)} 个 / lead-goose needs 6 dimensions", where
                    )
                for dim in dims.values():
                    unknown = [i for i in dim["indicators"] if i not in indicators]
                    if unknown:
                        raise ValidationError(f"未知的指标 {unknown} / unknown indicator {unknown}", where)
                _weights_sum_to_one({k: d["weight"] for k, d in dims.items()}, where)
            else:
                weights = spec.get("weights") or {}
                unknown = [i for i in weights if i not in indicators]
                if unknown or not weights:
                    raise ValidationError(f"未知的指标 {unknown} / unknown indicator {unknown}", where)
                _weights_sum_to_one(weights, where)


@dataclass(frozen=True)
class ScoringConfig:
    raw: dict

    @property
    def indicators(self) -> dict:
        return self.raw["indicators"]

    @property
    def indices(self) -> dict:
        return self.raw["indices"]

    def index_label(self, name: str) -> str:
        return self.indices[name]["label"]


def parse_config(data, path: str = "<memory>") -> ScoringConfig:
    if not isinstance(data, dict):
        raise ConfigError(path, "配置应为一个映射 / the configuration must be a mapping")
    try:
        return ScoringConfig(ConfigSchema().load(data))
    except ValidationError as exc:
        raise ConfigError(path, exc.normalized_messages()) from exc


def load_config(path: str | Path | None = None) -> ScoringConfig:
    """The configuration at `path`, `SCORING_CONFIG` or config/scoring.yaml."""
    path = Path(path or os.environ.get("SCORING_CONFIG") or DEFAULT_PATH)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(str(path), f"无法读取 / cannot read: {exc}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(str(path), f"YAML 格式错误 / not valid YAML: {exc}") from exc
    return parse_config(data, str(path))
