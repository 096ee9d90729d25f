"""The currency codes an import accepts: ISO 4217's, current and recently withdrawn.

The warehouse itself only insists on three capital letters A to Z (its CHECK constraint,
see :data:`attain.warehouse.schema.CURRENCY_CHECK`); an import goes further and refuses a
code ISO 4217 does not know (``USX``, ``EURO``, ``usd``), saying so in plain words.

Codes withdrawn since the euro's introduction (1999) are still accepted, because files of
historical rates and orders name them (Deutsche Mark, Croatian kuna, …).

This module must never read a file or touch a database.
"""

from __future__ import annotations

CURRENT = frozenset("""
AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP
BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB
EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD
JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP
MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR
RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND
TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF XAG XAU XBA XBB
XBC XBD XCD XCG XDR XOF XPD XPF XPT XSU XTS XUA XXX YER ZAR ZMW ZWG
""".split())
"""ISO 4217's active codes (including funds, precious metals and the testing code XTS)."""

WITHDRAWN = frozenset("""
ADP AFA ANG ATS AZM BEF BGL BYB BYR CSD CUC CYP DEM ECS EEK ESP FIM FRF GHC GRD GWP HRK IEP
ITL LTL LUF LVL MGF MRO MTL MZM NLG PTE ROL RUR SDD SIT SKK SLL SRG STD TMM TPE TRL VEB VEF
XEU YUM ZMK ZWD ZWL ZWN ZWR
""".split())
"""Codes withdrawn since 1999: old files still name them."""

KNOWN = CURRENT | WITHDRAWN
"""Every code an import accepts."""
