"""The message centre (我的消息)."""
