"""Delivery channels of the credit bank. For now: the SMS sender of verification codes."""
