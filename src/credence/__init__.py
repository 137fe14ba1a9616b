"""Credence: an open, rules-as-code credit information platform with due process built in."""

__version__ = "0.1.0"
