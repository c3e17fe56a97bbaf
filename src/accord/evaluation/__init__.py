"""Evaluation on recorded outcomes: the DEU backtest and the learned forecaster."""
