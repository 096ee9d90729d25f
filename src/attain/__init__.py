"""Attain: open-source sales performance management.

Targets, incentive compensation and sales analytics on one metric catalog. Importing
this package stays cheap: heavy modules (Ibis, Django) load only when used.
"""

__version__ = "0.1.0"
