"""Hotspot early warning from residents' requests (聚类分析, 预测预警)."""
