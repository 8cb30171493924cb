"""Flags, the moderation queue, moderator actions on threads and answers, sanctions on
people, and the audit log of every staff action.

services.py writes (each one records a ModerationAction row in the same transaction),
selectors.py reads, rules.py holds the flag weighting and the new-account limits,
permissions.py says who may flag and moderate (backed by accounts.permission_table).
"""
