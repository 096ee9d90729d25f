"""Payouts: run lifecycle and approvals, draws, clawbacks, holds, adjustments,
statements, disputes, payroll."""
