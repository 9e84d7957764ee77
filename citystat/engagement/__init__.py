"""Resident engagement: questions and moderation, the live board, updates, subscriptions."""
