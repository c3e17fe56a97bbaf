"""Analyses built on the models: agreement, mediation, uncertainty, durability, backtests."""
