"""Fixed reference data of the demo company: products, stages, sources, courses, industries."""

from __future__ import annotations

PRODUCTS: tuple[tuple[str, str, str, int, int, bool], ...] = (
    # product_id, name, family, list price (USD cents), unit cost (USD cents), recurring
    ("CLD-STR", "Cloud Starter", "Cloud", 600_000, 108_000, True),
    ("CLD-BUS", "Cloud Business", "Cloud", 1_800_000, 306_000, True),
    ("CLD-ENT", "Cloud Enterprise", "Cloud", 6_000_000, 960_000, True),
    ("PLT-CORE", "Platform Core", "Platform", 2_500_000, 1_000_000, False),
    ("PLT-ANL", "Platform Analytics", "Platform", 4_000_000, 1_520_000, False),
    ("PLT-INT", "Platform Integrations", "Platform", 1_200_000, 504_000, False),
    ("SVC-IMP", "Implementation", "Services", 1_500_000, 1_050_000, False),
    ("SVC-TRN", "Training Pack", "Services", 500_000, 325_000, False),
    ("SVC-SUP", "Premium Support", "Services", 1_000_000, 620_000, False),
)
FAMILIES = ("Cloud", "Platform", "Services")

STAGES = ("Prospecting", "Qualification", "Discovery", "Proposal", "Negotiation")
WON, LOST = "Closed Won", "Closed Lost"
ALL_STAGES = (*STAGES, WON, LOST)
STAGE_PROBABILITY_MICROS = (100_000, 200_000, 400_000, 600_000, 800_000, 1_000_000, 0)
STAGE_FORECAST = ("pipeline", "pipeline", "best_case", "best_case", "commit", "closed", "omitted")
LOSS_REASONS = ("Price", "Competitor", "No decision", "Timing", "Missing features")

SEGMENTS = ("enterprise", "mid_market", "smb")
SEGMENT_SHARE = (0.15, 0.35, 0.50)
SEGMENT_DEAL_CENTS = (9_000_000, 2_800_000, 900_000)
"""Typical deal size per segment, USD cents."""
SEGMENT_CYCLE_DAYS = (125, 70, 35)
SEGMENT_WIN = (0.24, 0.31, 0.38)
SEGMENT_DISCOUNT = (0.14, 0.10, 0.05)
SEGMENT_EMPLOYEES = ((2_000, 60_000), (200, 2_000), (10, 200))

LEAD_SOURCES = ("Web", "Event", "Referral", "Partner", "Paid Search", "Outbound")
LEAD_SOURCE_SHARE = (0.30, 0.14, 0.12, 0.10, 0.14, 0.20)
"""Share of lead-sourced opportunities by source."""
LEAD_CONVERSION = (0.12, 0.10, 0.40, 0.30, 0.06, 0.08)
"""Lead -> opportunity conversion by source: the funnel differs a lot by source."""
SOURCE_WIN_FACTOR = (0.95, 1.0, 1.35, 1.15, 0.85, 0.8)
AE_SOURCED = "AE Outbound"

CAMPAIGN_CHANNELS = ("Paid Search", "Events", "Webinar", "Content")
CAMPAIGN_MONTHLY_SPEND_CENTS = (4_500_000, 6_000_000, 1_200_000, 1_500_000)

INDUSTRIES = ("Technology", "Financial Services", "Healthcare", "Retail", "Manufacturing",
              "Media", "Education", "Logistics", "Energy", "Public Sector")
COMPANY_WORDS = ("Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Wonka", "Tyrell",
                 "Cyberdyne", "Soylent", "Hooli", "Vandelay", "Aperture", "Gringotts", "Oscorp",
                 "Pied Piper", "Monarch", "Nakatomi", "Massive", "Blue Sun", "Zenith", "Orbit",
                 "Northwind", "Contoso", "Fabrikam", "Litware", "Tailspin", "Adatum", "Proseware",
                 "Woodgrove")
COMPANY_SUFFIXES = ("Inc", "Ltd", "GmbH", "Group", "Systems", "Labs", "Holdings", "Partners",
                    "Industries", "Analytics")

COURSES: tuple[tuple[str, str, str, int], ...] = (
    # course_id, name, topic, cost per seat (USD cents)
    ("ONB-101", "Sales Onboarding", "onboarding", 150_000),
    ("NEG-201", "Negotiation Mastery", "negotiation", 220_000),
    ("DSC-201", "Discovery That Qualifies", "discovery", 180_000),
    ("CLD-301", "Product Deep Dive: Cloud", "product", 90_000),
    ("FCT-201", "Forecasting Discipline", "forecasting", 120_000),
)
