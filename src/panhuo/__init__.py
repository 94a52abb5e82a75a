"""Panhuo (盘活): inventory, grade, match and license the stock patents of universities and institutes."""

__version__ = "0.1.0"
