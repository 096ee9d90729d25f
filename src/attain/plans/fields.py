"""The fields a plan's filters and conditions may use, with their types and meaning.

This is the contract between the plan language (which checks expressions against it) and
the engine (which provides a column for each name). docs/plan-language.md lists them.
"""

from __future__ import annotations

from attain.plans.expressions import Field

TRANSACTION_FIELDS: dict[str, Field] = {
    field.name: field
    for field in (
        Field("amount", "number", "Net amount of the order line, in its own currency."),
        Field("quantity", "number", "Units on the line (negative on a reversal)."),
        Field("unit_price", "number", "Price per unit before discount."),
        Field("discount", "number", "Discount as a fraction of list price, e.g. 15%."),
        Field("cost", "number", "Cost of the line."),
        Field("margin", "number", "Gross margin of the line: (amount − cost) ÷ amount."),
        Field("currency", "string", "ISO code of the line's currency."),
        Field("kind", "string", "order, cancellation or refund."),
        Field("booked_on", "date", "Booking date."),
        Field("paid_on", "date", "Date the customer paid the invoice (empty until then)."),
        Field("invoiced_on", "date", "Invoice date."),
        Field("deal.id", "string", "Opportunity id."),
        Field("deal.type", "string", "new, expansion or renewal."),
        Field("deal.source", "string", "Lead source of the opportunity, e.g. Web, Partner."),
        Field("deal.amount", "number", "Value of the whole opportunity."),
        Field("product.id", "string", "Product id (SKU)."),
        Field("product.name", "string", "Product name."),
        Field("product.family", "string", "Product family, e.g. Cloud, Platform, Services."),
        Field("product.recurring", "boolean", "True for subscription products."),
        Field("account.id", "string", "Customer id."),
        Field("account.segment", "string", "enterprise, mid_market or smb."),
        Field("account.industry", "string", "Customer's industry."),
        Field("account.region", "string", "Customer's sales region, e.g. EMEA."),
        Field("account.country", "string", "ISO country code of the customer."),
        Field("account.channel", "string", "direct, partner or online."),
        Field("account.employees", "number", "Customer headcount."),
    )
}
"""Fields of a credited transaction, available in component and SPIFF filters."""
